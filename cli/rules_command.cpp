// `rules` (list every rule) and `rule NAME` (a rule's page, from the binary).
#include <algorithm>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "rules/docs.h"
#include "rules/rule.h"

namespace migrasafe::cli {
namespace {

int run_rules(const std::string& format) {
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const RuleInfo& r : all_rules()) {
      list.push_back({{"code", r.code},
                      {"name", r.name},
                      {"category", category_name(r.category)},
                      {"severity", severity_name(r.severity)},
                      {"enabled_by_default", r.default_on},
                      {"fixable", r.fixable},
                      {"since", r.since},
                      {"summary", r.summary},
                      {"aliases", r.aliases},
                      {"help_uri", rule_doc_url(r)}});
    }
    std::cout << list.dump(2) << "\n";
    return kExitClean;
  }
  // A header, then one row per rule; `fix` says whether `check --fix` can fix its findings.
  std::vector<std::vector<std::string>> rows{{"code", "rule", "category", "severity", "fix", "summary"}};
  for (const RuleInfo& r : all_rules())
    rows.push_back({std::string(r.code), std::string(r.name), std::string(category_name(r.category)),
                    std::string(severity_name(r.severity)), r.fixable ? "yes" : "-",
                    (r.default_on ? "" : "(opt-in) ") + std::string(r.summary)});
  print_columns(std::cout, rows);
  return kExitClean;
}

// `rule NAME`: the rule's documentation page, from the binary. NAME may be a
// code or an alias; an alias that stands for several rules prints each page.
int run_rule(const std::string& name) {
  std::vector<const RuleInfo*> found = find_rules(name);
  if (found.empty()) {
    std::cerr << "migrasafe: error: no rule named `" << name << "` (`migrasafe rules` lists them)\n";
    return kExitUsage;
  }
  for (const RuleInfo* r : found) {
    auto page = std::find_if(rule_docs().begin(), rule_docs().end(), [&](const RuleDoc& d) { return d.name == r->name; });
    if (page == rule_docs().end()) {
      std::cerr << "migrasafe: internal error: rule " << r->name << " has no embedded page\n";
      return kExitInternal;
    }
    if (r != found.front()) std::cout << "\n";
    std::cout << page->markdown;
  }
  return kExitClean;
}

}  // namespace

void add_rules_commands(CLI::App& app, std::vector<Command>& commands) {
  auto format = std::make_shared<std::string>("text");
  CLI::App* rules_cmd = app.add_subcommand("rules", "List every rule with its code, category and severity");
  rules_cmd->add_option("-f,--format", *format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  commands.push_back({rules_cmd, [format] { return run_rules(*format); }});

  auto name = std::make_shared<std::string>();
  CLI::App* rule_cmd = app.add_subcommand("rule", "Print a rule's documentation (name, MSnnn code or squawk alias)");
  rule_cmd->add_option("name", *name, "The rule")->required();
  commands.push_back({rule_cmd, [name] { return run_rule(*name); }});
}

}  // namespace migrasafe::cli
