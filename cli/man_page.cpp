#include "cli/man_page.h"

#include <sstream>

namespace migrasafe {
namespace {

// Text as roff prints it: backslashes and hyphens escaped, and a leading `.`
// or `'` (which roff would read as a request) neutralised.
std::string roff(const std::string& text) {
  std::string out;
  if (!text.empty() && (text[0] == '.' || text[0] == '\'')) out = "\\&";
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  return out;
}

// Commands and options meant for people: CLI11 hides those in the "" group.
bool listed(const std::string& group) { return !group.empty(); }

// One `.TP` entry per option and positional of `cmd`, as its --help lists them.
void write_options(std::ostringstream& out, const CLI::App& cmd) {
  for (const CLI::Option* option : cmd.get_options()) {
    if (!listed(option->get_group())) continue;
    std::string names = option->get_name(true, true);
    std::string value = option->get_type_name();
    out << ".TP\n\\fB" << roff(names) << "\\fR";
    if (!option->get_positional() && !value.empty()) {
      // A long list of choices may break after a comma (\: is a break point that prints nothing).
      std::string shown;
      for (char c : roff(value)) (shown += c) += c == ',' ? "\\:" : "";
      out << " \\fI" << shown << "\\fR";
    }
    out << "\n" << roff(option->get_description());
    if (!option->get_default_str().empty()) out << " (default: " << roff(option->get_default_str()) << ")";
    out << "\n";
  }
}

std::string synopsis(const CLI::App& cmd) {
  std::string line = "\\fBmigrasafe " + roff(cmd.get_name()) + "\\fR [\\fIOPTIONS\\fR]";
  for (const CLI::Option* option : cmd.get_options()) {
    if (!option->get_positional()) continue;
    std::string operand = "\\fI" + roff(option->get_name(true)) + "\\fR";
    if (option->get_items_expected_max() > 1) operand += "...";
    line += option->get_required() ? " " + operand : " [" + operand + "]";
  }
  return line;
}

}  // namespace

std::string man_page(const CLI::App& app, const std::string& version) {
  std::vector<const CLI::App*> commands =
      app.get_subcommands([](const CLI::App* cmd) { return listed(cmd->get_group()); });
  std::string summary = app.get_description();
  if (auto colon = summary.find(": "); colon != std::string::npos) summary = summary.substr(colon + 2);

  std::ostringstream out;
  out << ".TH MIGRASAFE 1 \"\" \"migrasafe " << roff(version) << "\" \"User Commands\"\n";
  // Ragged right, no hyphenation: option texts hold long unbreakable words (`[snapshot] file`, URLs)
  // that a justified line cannot stretch around.
  out << ".ad l\n.nh\n";
  out << ".SH NAME\nmigrasafe \\- " << roff(summary) << "\n";
  out << ".SH SYNOPSIS\n";
  for (const CLI::App* cmd : commands) out << synopsis(*cmd) << "\n.br\n";
  out << "\\fBmigrasafe\\fR \\fB\\-\\-version\\fR\n";
  out << ".SH DESCRIPTION\n"
      << "migrasafe parses PostgreSQL migration files with PostgreSQL's own parser and reports the statements "
         "that are dangerous on a live database: the locks they take and what those block, table rewrites and "
         "scans, statements that cannot run in a transaction block, lost data. It never connects to a "
         "database and never executes SQL.\n"
      << ".PP\nEach command's options follow; \\fBmigrasafe\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR prints the "
         "same text, and \\fBmigrasafe rule\\fR \\fIname\\fR prints a rule's documentation.\n";
  out << ".SH OPTIONS\n";
  write_options(out, app);
  out << ".SH COMMANDS\n";
  for (const CLI::App* cmd : commands) {
    out << ".SS " << roff(cmd->get_name()) << "\n" << roff(cmd->get_description()) << "\n";
    write_options(out, *cmd);
  }
  out << ".SH EXIT STATUS\n" << roff(app.get_footer()) << "\n";
  out << ".SH SEE ALSO\nThe README.md shipped with migrasafe, and \\fBmigrasafe rules\\fR for the list of rules.\n";
  return out.str();
}

}  // namespace migrasafe
