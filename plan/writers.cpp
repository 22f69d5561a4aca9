// The plan's four formats. JSON and YAML are one document (the field names a
// migration playbook uses: steps, risks, rollback_classification,
// rollback_plan, verification), written from the same tree; text and
// Markdown are for people.
#include <cctype>

#include <nlohmann/json.hpp>

#include "plan/plan.h"

namespace migrasafe {
namespace {

using Doc = nlohmann::ordered_json;

Doc check_doc(const Check& c, std::size_t line) {
  Doc d;
  if (line) d["step_line"] = line;
  d["purpose"] = c.purpose;
  d["query"] = c.sql;
  d["expected"] = c.expected;
  return d;
}

Doc checks_doc(const std::vector<Check>& checks) {
  Doc d = Doc::array();
  for (const Check& c : checks) d.push_back(check_doc(c, 0));
  return d;
}

Doc strings_doc(const std::vector<std::string>& v) {
  Doc d = Doc::array();
  for (const std::string& s : v) d.push_back(s);
  return d;
}

Doc plan_doc(const std::vector<MigrationPlan>& plans) {
  Doc root;
  root["version"] = 1;
  root["migrations"] = Doc::array();
  for (const MigrationPlan& p : plans) {
    Doc m;
    m["path"] = p.path;
    if (p.has_errors) {
      m["error"] = p.input_error;
      root["migrations"].push_back(std::move(m));
      continue;
    }
    m["phase"] = phase_name(p.phase);
    m["deploy_order"] = strings_doc(p.deploy_order);
    Doc steps = Doc::array();
    Doc before = Doc::array(), after = Doc::array();
    for (const PlanStep& s : p.steps) {
      Doc step;
      step["line"] = s.line;
      step["sql"] = s.sql;
      step["transaction"] = s.transaction;
      step["phase"] = phase_name(s.phase);
      Doc locks = Doc::array();
      for (const PlannedLock& l : s.locks)
        locks.push_back({{"relation", l.relation}, {"mode", l.mode}, {"blocks", l.blocks}, {"held_until", l.held_until}});
      step["locks"] = std::move(locks);
      if (!s.work.empty()) step["work"] = s.work;
      if (!s.size.empty()) step["table_size"] = s.size;
      step["can_fail_if"] = checks_doc(s.preconditions);
      step["findings"] = strings_doc(s.findings);
      step["safer_recipe"] = strings_doc(s.recipes);
      steps.push_back(std::move(step));
      for (const Check& c : s.preconditions) before.push_back(check_doc(c, s.line));
      for (const Check& c : s.postconditions) after.push_back(check_doc(c, s.line));
    }
    m["steps"] = std::move(steps);
    Doc risks = Doc::array();
    for (const Risk& r : p.risks)
      risks.push_back({{"severity", risk_level_name(r.level)},
                       {"code", r.code},
                       {"rule", r.rule},
                       {"line", r.line},
                       {"description", r.message},
                       {"mitigation", r.mitigation}});
    m["risks"] = std::move(risks);
    m["rollback_classification"] = rollback_class_name(p.rollback.classification);
    Doc rollback;
    rollback["down_script"] = p.rollback.down_path.empty() ? Doc() : Doc(p.rollback.down_path);
    rollback["reason"] = p.rollback.reason;
    rollback["data_not_restored"] = strings_doc(p.rollback.data_not_restored);
    Doc rsteps = Doc::array();
    for (const RollbackStep& s : p.rollback.steps)
      rsteps.push_back({{"line", s.line}, {"sql", s.sql}, {"verification", checks_doc(s.verification)}});
    rollback["steps"] = std::move(rsteps);
    m["rollback_plan"] = std::move(rollback);
    m["verification"] = {{"before", std::move(before)}, {"after", std::move(after)}};
    root["migrations"].push_back(std::move(m));
  }
  return root;
}

std::string json_text(const Doc& d) { return d.dump(-1, ' ', false, Doc::error_handler_t::replace); }

// Block YAML from the same tree: every string double-quoted (a JSON string
// is a valid YAML double-quoted scalar), so no value can change the structure.
void yaml_block(std::ostream& out, const Doc& d, std::size_t indent);

void yaml_after_key(std::ostream& out, const Doc& v, std::size_t indent) {
  if (v.is_structured() && !v.empty()) {
    out << "\n";
    yaml_block(out, v, indent + 2);
  } else if (v.is_object()) {
    out << " {}\n";
  } else if (v.is_array()) {
    out << " []\n";
  } else {
    out << " " << json_text(v) << "\n";
  }
}

void yaml_block(std::ostream& out, const Doc& d, std::size_t indent) {
  std::string pad(indent, ' ');
  if (d.is_object()) {
    for (const auto& [key, value] : d.items()) {
      out << pad << key << ":";
      yaml_after_key(out, value, indent);
    }
    return;
  }
  for (const Doc& item : d) {
    out << pad << "-";
    if (item.is_object() && !item.empty()) {
      bool first = true;
      for (const auto& [key, value] : item.items()) {
        out << (first ? " " : pad + "  ") << key << ":";
        first = false;
        yaml_after_key(out, value, indent + 2);
      }
    } else {
      yaml_after_key(out, item, indent);
    }
  }
}

// A run of backticks longer than any in `text`, at least `shortest` long:
// a code span or fence that the text cannot close.
std::string fence_for(std::string_view text, std::size_t shortest = 3) {
  std::size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max(shortest, longest + 1), '`');
}

// SQL as an inline code span: shown literally (no Markdown, no HTML inside
// a code span), controls made visible.
std::string code_span(std::string_view sql) {
  std::string text = visible_controls(sql);
  std::string fence = fence_for(text, 1);
  bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}

std::string sentence(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

void markdown_query(std::ostream& out, const Check& c, const std::string& pad) {
  std::string sql = visible_controls(c.sql) + "; -- expect: " + visible_controls(c.expected);
  std::string fence = fence_for(sql);
  out << pad << fence << "sql\n" << pad << sql << "\n" << pad << fence << "\n";
}

void write_markdown_plans(std::ostream& out, const std::vector<MigrationPlan>& plans) {
  out << "## Release plan\n\n";
  if (plans.empty()) out << "No migrations.\n";
  for (const MigrationPlan& p : plans) {
    out << "### " << markdown_escape(p.path) << "\n\n";
    if (p.has_errors) {
      out << "Not analysed: " << markdown_escape(p.input_error) << "\n\n";
      continue;
    }
    out << "**Phase:** " << phase_name(p.phase) << " · **Rollback:** "
        << rollback_class_name(p.rollback.classification) << "\n\n";
    for (const std::string& d : p.deploy_order) out << "- " << markdown_escape(d) << "\n";
    out << "\n#### Steps\n\n";
    std::size_t n = 0;
    for (const PlanStep& s : p.steps) {
      out << ++n << ". Line " << s.line << ": " << code_span(s.sql) << "  \n";
      out << "   " << markdown_escape(sentence(s.transaction)) << ".";
      if (!s.work.empty()) out << " Work: " << markdown_escape(s.work) << ".";
      if (!s.size.empty()) out << " Size: " << markdown_escape(s.size) << ".";
      out << "\n";
      for (const PlannedLock& l : s.locks)
        out << "   - `" << l.mode << "` on " << markdown_escape(l.relation) << ": blocks " << l.blocks
            << ", held until " << markdown_escape(l.held_until) << "\n";
      for (const Check& c : s.preconditions) out << "   - Fails unless " << markdown_escape(c.purpose) << "\n";
      if (!s.findings.empty()) {
        out << "   - Findings:";
        for (const std::string& f : s.findings) out << " " << markdown_escape(f) << ";";
        out << "\n";
      }
      for (const std::string& r : s.recipes) out << "   - Safer: " << markdown_escape(r) << "\n";
    }
    if (!p.risks.empty()) {
      out << "\n#### Risks\n\n| Severity | Rule | Line | Risk | Mitigation |\n|---|---|---|---|---|\n";
      for (const Risk& r : p.risks)
        out << "| " << risk_level_name(r.level) << " | " << r.code << " " << markdown_escape(r.rule) << " | " << r.line
            << " | " << markdown_escape(r.message) << " | " << markdown_escape(r.mitigation) << " |\n";
    }
    out << "\n#### Rollback: " << rollback_class_name(p.rollback.classification) << "\n\n";
    out << markdown_escape(sentence(p.rollback.reason)) << ".\n";
    if (!p.rollback.down_path.empty()) out << "\nDown script: " << markdown_escape(p.rollback.down_path) << "\n";
    for (const std::string& lost : p.rollback.data_not_restored)
      out << "- Not restored: " << markdown_escape(lost) << "\n";
    n = 0;
    for (const RollbackStep& s : p.rollback.steps) {
      out << "\n" << ++n << ". Line " << s.line << ": " << code_span(s.sql) << "\n";
      for (const Check& c : s.verification) {
        out << "   - Then " << markdown_escape(c.purpose) << ":\n";
        markdown_query(out, c, "     ");
      }
    }
    bool any_before = false, any_after = false;
    for (const PlanStep& s : p.steps) {
      any_before |= !s.preconditions.empty();
      any_after |= !s.postconditions.empty();
    }
    if (any_before || any_after) out << "\n#### Verification\n";
    for (bool before : {true, false}) {
      if (before ? !any_before : !any_after) continue;
      out << "\n" << (before ? "Before the migration:" : "After the migration:") << "\n\n";
      for (const PlanStep& s : p.steps)
        for (const Check& c : before ? s.preconditions : s.postconditions) {
          out << "- " << markdown_escape(c.purpose) << " (line " << s.line << ")\n";
          markdown_query(out, c, "  ");
        }
    }
    out << "\n";
  }
}

void text_check(std::ostream& out, const Check& c, const std::string& pad) {
  out << pad << visible_controls(c.sql) << "\n" << pad << "  -- expect: " << visible_controls(c.expected) << "\n";
}

void write_text_plans(std::ostream& out, const std::vector<MigrationPlan>& plans) {
  for (const MigrationPlan& p : plans) {
    out << "Plan for " << visible_controls(p.path) << "\n";
    if (p.has_errors) {
      out << "  not analysed: " << visible_controls(p.input_error) << "\n\n";
      continue;
    }
    out << "  phase     " << phase_name(p.phase) << "\n";
    for (const std::string& d : p.deploy_order) out << "  deploy    " << visible_controls(d) << "\n";
    out << "  steps\n";
    std::size_t n = 0;
    for (const PlanStep& s : p.steps) {
      out << "    " << ++n << ". line " << s.line << ": " << visible_controls(s.sql) << "\n";
      out << "       " << visible_controls(s.transaction) << "\n";
      for (const PlannedLock& l : s.locks)
        out << "       lock    " << visible_controls(l.relation) << ": " << l.mode << ", blocks " << l.blocks
            << "; held until " << visible_controls(l.held_until) << "\n";
      if (!s.work.empty()) out << "       work    " << visible_controls(s.work) << "\n";
      if (!s.size.empty()) out << "       size    " << visible_controls(s.size) << "\n";
      for (const Check& c : s.preconditions) {
        out << "       fails unless " << visible_controls(c.purpose) << "\n";
        text_check(out, c, "         ");
      }
      for (const std::string& r : s.recipes) out << "       safer   " << visible_controls(r) << "\n";
    }
    if (!p.risks.empty()) out << "  risks\n";
    for (const Risk& r : p.risks)
      out << "    " << risk_level_name(r.level) << "  " << r.code << " " << r.rule << " (line " << r.line << "): "
          << visible_controls(r.message) << "\n      mitigation: " << visible_controls(r.mitigation) << "\n";
    out << "  rollback  " << rollback_class_name(p.rollback.classification) << ": "
        << visible_controls(p.rollback.reason) << "\n";
    if (!p.rollback.down_path.empty()) out << "    down script " << visible_controls(p.rollback.down_path) << "\n";
    for (const std::string& lost : p.rollback.data_not_restored)
      out << "    not restored: " << visible_controls(lost) << "\n";
    n = 0;
    for (const RollbackStep& s : p.rollback.steps) {
      out << "    " << ++n << ". line " << s.line << ": " << visible_controls(s.sql) << "\n";
      for (const Check& c : s.verification) {
        out << "       then " << visible_controls(c.purpose) << "\n";
        text_check(out, c, "         ");
      }
    }
    bool any_after = false;
    for (const PlanStep& s : p.steps) any_after |= !s.postconditions.empty();
    if (any_after) out << "  after the migration\n";
    for (const PlanStep& s : p.steps)
      for (const Check& c : s.postconditions) {
        out << "    " << visible_controls(c.purpose) << " (line " << s.line << ")\n";
        text_check(out, c, "      ");
      }
    out << "\n";
  }
}

}  // namespace

std::optional<PlanFormat> plan_format(std::string_view name) {
  if (name == "text") return PlanFormat::Text;
  if (name == "markdown") return PlanFormat::Markdown;
  if (name == "yaml") return PlanFormat::Yaml;
  if (name == "json") return PlanFormat::Json;
  return std::nullopt;
}

void write_plan(std::ostream& out, const std::vector<MigrationPlan>& plans, PlanFormat format) {
  switch (format) {
    case PlanFormat::Text: write_text_plans(out, plans); break;
    case PlanFormat::Markdown: write_markdown_plans(out, plans); break;
    case PlanFormat::Yaml:
      out << "# migrasafe release plan (docs/plan.md)\n";
      yaml_block(out, plan_doc(plans), 0);
      break;
    case PlanFormat::Json: out << json_text(plan_doc(plans)) << "\n"; break;
  }
}

}  // namespace migrasafe
