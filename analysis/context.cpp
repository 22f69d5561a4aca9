#include "analysis/context.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "analysis/undone.h"
#include "parser/ast.h"
#include "parser/table_elements.h"

namespace migrasafe {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// CREATE TEMP TABLE, CREATE TEMP TABLE AS, SELECT ... INTO TEMP.
bool is_temporary(const Json& range_var) {
  const Json& fields = ast::kind(range_var) == "RangeVar" ? ast::inner(range_var) : range_var;
  return ast::str(fields, "relpersistence") == "t";
}

}  // namespace

std::optional<std::string> const_text(const Json& wrapped) {
  auto c = ast::as<"A_Const">(wrapped);
  if (!c) {
    if (auto cast = ast::as<"TypeCast">(wrapped)) {
      if (const Json* arg = ast::field(*cast, "arg")) return const_text(*arg);
    }
    return std::nullopt;
  }
  if (const Json* v = ast::field(*c, "sval")) return std::string(ast::str(*v, "sval"));
  if (const Json* v = ast::field(*c, "ival")) return std::to_string(ast::num(*v, "ival"));
  if (const Json* v = ast::field(*c, "fval")) return std::string(ast::str(*v, "fval"));
  if (const Json* v = ast::field(*c, "boolval")) return ast::flag(*v, "boolval") ? "true" : "false";
  return std::nullopt;
}

std::optional<long> parse_duration_ms(const std::string& raw, bool bare_number_is_ms) {
  std::string v = lower(raw);
  v.erase(std::remove_if(v.begin(), v.end(), [](unsigned char c) { return std::isspace(c); }), v.end());
  if (v.empty()) return std::nullopt;
  // The number: digits, sign, decimal point and an exponent ("1e3s", as
  // PostgreSQL reads it). "inf" and "nan" are not numbers here, nor for PostgreSQL.
  std::size_t i = 0;
  auto is_digit = [&](std::size_t k) { return k < v.size() && std::isdigit(static_cast<unsigned char>(v[k])); };
  while (i < v.size() && (is_digit(i) || v[i] == '.' || v[i] == '-' || v[i] == '+' ||
                          (v[i] == 'e' && i > 0 && is_digit(i - 1) &&
                           (is_digit(i + 1) || (i + 2 < v.size() && (v[i + 1] == '-' || v[i + 1] == '+') && is_digit(i + 2))))))
    i += v[i] == 'e' ? 2 : 1;
  if (i == 0) return std::nullopt;
  double number;
  try {
    std::size_t used = 0;
    number = std::stod(v.substr(0, i), &used);
    if (used != i) return std::nullopt;  // "1-2", "1.2.3"
  } catch (...) {  // not a number, or beyond a double ("1e999")
    return std::nullopt;
  }
  std::string unit = v.substr(i);
  double factor;
  if (unit.empty()) factor = bare_number_is_ms ? 1 : 1000;
  else if (unit == "us") factor = 0.001;
  else if (unit == "ms") factor = 1;
  else if (unit == "s") factor = 1000;
  else if (unit == "min") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else if (unit == "d") factor = 86'400'000;
  else return std::nullopt;
  // PostgreSQL stores a time setting as an int of its unit and rejects a
  // value beyond that range ("Value exceeds integer range"): such a SET fails,
  // so it sets no timeout. Checking before the cast also keeps it defined.
  double ms = std::ceil(number * factor);
  if (!(ms >= std::numeric_limits<int>::min() && ms <= std::numeric_limits<int>::max())) return std::nullopt;
  return static_cast<long>(ms);
}

Context::Context(AnalysisOptions opts, Catalog history) : opts_(opts), catalog_(std::move(history)) {
  catalog_.end_transaction(true);  // what earlier files left is not rolled back here
  if (opts_.assume_in_transaction) begin_transaction(false);
}

Catalog Context::take_catalog() {
  Catalog taken = catalog_;  // a copy has neither the undo journal nor the change log
  catalog_ = Catalog{};      // and, with this one gone, shares nothing
  return taken;
}

void Context::expect_rollback(bool may_come) {
  rollback_may_come_ = may_come;
  if (!may_come) catalog_.end_transaction(true);  // the journal of a block open already
}

bool has_rollback(const ParsedFile& file) {
  return std::any_of(file.statements.begin(), file.statements.end(), [](const Statement& s) {
    return s.tag == StmtKind::TransactionStmt && ast::str(s.node, "kind") == "TRANS_STMT_ROLLBACK";
  });
}

std::optional<std::string> Context::setting(const std::string& name) const {
  if (auto it = local_.find(name); it != local_.end()) return it->second;
  if (auto it = session_.find(name); it != session_.end()) return it->second;
  return std::nullopt;
}

std::optional<long> Context::timeout_ms(const std::string& name) const {
  auto value = setting(name);
  if (!value) return std::nullopt;
  auto ms = parse_duration_ms(*value);
  if (!ms || *ms <= 0) return std::nullopt;
  return ms;
}

std::string Context::no_timeout_reason(const std::string& name) const {
  auto value = setting(name);
  if (!value) return "no " + name + " is set";
  auto ms = parse_duration_ms(*value);
  if (ms && *ms == 0) return name + " is set to 0 (off)";
  // The SET failed in PostgreSQL ("1e300s", "-5s", "soon"): the migration stops there.
  return name + " is set to '" + *value + "', which PostgreSQL rejects";
}

namespace {

// The first schema a search_path lists: where unqualified names are created
// and (for this analysis) looked up. "$user" rarely exists as a schema.
std::string_view first_listed_schema(std::string_view path) {
  while (true) {
    std::size_t comma = path.find(',');
    std::string_view item = path.substr(0, comma);
    std::size_t first = item.find_first_not_of(" \"");
    item = first == std::string_view::npos ? std::string_view() : item.substr(first, item.find_last_not_of(" \"") - first + 1);
    if (!item.empty() && item != "$user" && item != "pg_temp") return item;
    if (comma == std::string_view::npos) return "public";
    path.remove_prefix(comma + 1);
  }
}

}  // namespace

QualifiedName Context::qualify(std::string_view schema, std::string_view name) const {
  // Each part built once, in place: this runs for every name a statement uses.
  if (!schema.empty()) return {std::string(schema), std::string(name)};
  // The setting read in place.
  static const std::string kSearchPath = "search_path";
  const std::string* set = nullptr;
  if (auto local = local_.find(kSearchPath); local != local_.end()) set = &local->second;
  else if (auto session = session_.find(kSearchPath); session != session_.end()) set = &session->second;
  return {std::string(set ? first_listed_schema(*set) : std::string_view("public")), std::string(name)};
}

QualifiedName Context::qualify_range_var(const Json& rv) const {
  const Json& fields = ast::kind(rv) == "RangeVar" ? ast::inner(rv) : rv;
  return qualify(ast::str(fields, "schemaname"), ast::str(fields, "relname"));
}

QualifiedName Context::qualify_names(const std::vector<std::string>& names) const {
  if (names.empty()) return {};
  if (names.size() == 1) return qualify("", names[0]);
  return qualify(names[names.size() - 2], names.back());
}

bool Context::created_in_migration(const QualifiedName& rel) const { return created_.count(rel) > 0; }

std::vector<QualifiedName> Context::created_relations() const {
  std::vector<QualifiedName> out;
  for (const auto& [rel, tx] : created_) out.push_back(rel);
  return out;
}

void Context::count_as_created(const std::vector<QualifiedName>& relations) {
  for (const QualifiedName& rel : relations) created_.try_emplace(rel, -1);  // in no transaction of this file
}

bool Context::created_in_transaction(const QualifiedName& rel) const {
  auto it = created_.find(rel);
  return it != created_.end() && it->second == transaction_id_;
}

bool Context::has_valid_not_null_check(const QualifiedName& table, const std::string& column) const {
  const TableConstraints& all = catalog_.constraints(table);
  return std::any_of(all.begin(), all.end(), [&](const auto& c) { return c.second.valid && c.second.not_null_columns.count(column); });
}

bool Context::has_valid_check(const QualifiedName& table) const {
  const TableConstraints& all = catalog_.constraints(table);
  return std::any_of(all.begin(), all.end(),
                     [&](const auto& c) { return c.second.valid && c.second.kind == ConstraintInfo::Kind::Check; });
}

std::optional<QualifiedName> Context::table_of_index(const QualifiedName& index) const {
  if (const IndexInfo* idx = catalog_.index(index)) return idx->table;
  return std::nullopt;
}

void Context::begin_transaction(bool explicit_block) {
  ++transaction_id_;
  in_transaction_ = true;
  explicit_block_ = explicit_block;
  session_at_begin_ = session_;
  if (rollback_may_come_) catalog_.begin_transaction();
}

// PostgreSQL runs a query of several statements as one implicit transaction
// block; a BEGIN in it makes the block explicit, and after a COMMIT or
// ROLLBACK the statements that follow start a new implicit block.
void Context::begin_implicit_block() {
  implicit_block_ = true;
  if (!in_transaction_) begin_transaction(false);
}

void Context::end_transaction(bool commit) {
  catalog_.end_transaction(commit);
  if (!commit) {
    session_ = session_at_begin_;
    std::erase_if(created_, [&](const auto& e) { return e.second == transaction_id_; });
  }
  local_.clear();
  in_transaction_ = false;
  explicit_block_ = false;
  begin_offset_.reset();
  do_block_.reset();
  held_.clear();
  exclusive_since_.reset();
  after_exclusive_ = 0;
  not_valid_in_tx_.clear();
  enum_values_in_tx_.clear();
  backfilled_.clear();
  emptied_.clear();
}

void Context::begin_do_block(std::uint32_t at) {
  if (in_transaction_) return;
  begin_transaction(false);
  do_block_ = at;
}

bool Context::end_do_block() {
  if (!do_block_) return false;
  end_transaction(true);
  return true;
}

void Context::define_function(const Statement& create, FunctionEffects runs) {
  catalog_.set_function_effects(qualify_names(ast::strings(ast::list(create.node, "funcname"))), std::move(runs),
                                ast::flag(create.node, "replace"));
}

Context Context::for_function_body() const {
  // Built fresh rather than copied: what this migration has done so far grows
  // with the file, and copying it once per function made a file of many
  // functions quadratic. A body starts from the schema, the search_path and
  // the tables that exist (temporary ones, what the undone up created).
  Context body(opts_, catalog_);
  body.expect_rollback(rollback_may_come_);
  body.temporary_ = temporary_;
  body.undone_ = undone_;
  if (auto search_path = setting("search_path")) body.session_["search_path"] = *search_path;
  if (!body.in_transaction_) body.begin_transaction(false);
  body.function_body_ = true;
  return body;
}

std::optional<LockMode> Context::held_lock(const QualifiedName& rel) const {
  auto it = held_.find(rel);
  if (it == held_.end()) return std::nullopt;
  return it->second;
}

void Context::set(const std::string& name, std::optional<std::string> value, bool local) {
  if (local) {
    // Outside a transaction block SET LOCAL has no effect (PostgreSQL warns).
    if (!in_transaction_) return;
    if (value) local_[name] = *value;
    else local_[name] = "0";  // SET LOCAL x TO DEFAULT: the server default, assumed off
    return;
  }
  local_.erase(name);
  if (value) session_[name] = *value;
  else session_.erase(name);
}

void Context::reset_settings() {
  session_.clear();
  local_.clear();
}

void Context::apply_set(const Json& n) {
  std::string kind(ast::str(n, "kind"));
  std::string name = lower(ast::str(n, "name"));
  bool local = ast::flag(n, "is_local");
  if (kind == "VAR_RESET_ALL") {
    reset_settings();
  } else if (kind == "VAR_SET_DEFAULT" || kind == "VAR_RESET") {
    set(name, std::nullopt, local);
  } else if (kind == "VAR_SET_VALUE") {
    std::string value;
    for (const Json& arg : ast::list(n, "args")) {
      auto text = const_text(arg);
      if (!text) return;  // not a constant we can read: leave the state as is
      if (!value.empty()) value += ",";
      value += *text;
    }
    set(name, value, local);
  }
}

// SELECT set_config('lock_timeout', '1s', is_local) anywhere in the target list.
void Context::apply_set_config(const Json& n) {
  for (const Json& target : ast::list(n, "targetList")) {
    auto rt = ast::as<"ResTarget">(target);
    const Json* val = rt ? ast::field(*rt, "val") : nullptr;
    auto call = val ? ast::as<"FuncCall">(*val) : nullptr;
    if (!call) continue;
    auto fname = ast::strings(ast::list(*call, "funcname"));
    if (fname.empty() || fname.back() != "set_config") continue;
    const Json& args = ast::list(*call, "args");
    if (args.size() != 3) continue;
    auto name = const_text(args[0]);
    auto value = const_text(args[1]);
    auto is_local = const_text(args[2]);
    if (!name || !value || !is_local) continue;
    set(lower(*name), *value, *is_local == "true");
  }
}

std::vector<QualifiedName> Context::referenced_tables(const QualifiedName& table) const {
  std::vector<QualifiedName> out;
  for (const auto& [name, c] : catalog_.constraints(table))
    if (c.references && std::find(out.begin(), out.end(), *c.references) == out.end()) out.push_back(*c.references);
  return out;
}

std::optional<QualifiedName> Context::foreign_key_target(const QualifiedName& table, const std::string& constraint) const {
  const TableConstraints& all = catalog_.constraints(table);
  auto it = all.find(constraint);
  if (it == all.end()) return std::nullopt;
  return it->second.references;
}

void Context::apply_create_table(const Json& n, bool existed) {
  QualifiedName table = qualify_range_var(*ast::field(n, "relation"));
  if (existed) return;  // CREATE TABLE IF NOT EXISTS of a known table does nothing
  if (ast::flag(n, "if_not_exists")) created_if_not_exists_.insert(table);
  created_[table] = transaction_id_;
  if (is_temporary(*ast::field(n, "relation"))) temporary_.insert(table);
  for (const QualifiedName& seq : catalog_.owned_sequences(table)) created_[seq] = transaction_id_;  // serial, identity
}

void Context::apply_alter_table(const Json& n) {
  const Json* rel = ast::field(n, "relation");
  if (!rel) return;
  QualifiedName table = qualify_range_var(*rel);
  for (const AlterTableCommand& cmd : alter_table_commands(n)) {
    if (cmd.subtype == "AT_AddConstraint") {
      if (cmd.constraint && in_transaction_ && ast::flag(*cmd.constraint, "skip_validation"))
        not_valid_in_tx_.insert(table.str() + "." + constraint_name(table, *cmd.constraint, ""));
    } else if (cmd.subtype == "AT_AddColumn" && cmd.column) {
      // ADD COLUMN IF NOT EXISTS: the file expects that the table may exist already, with rows.
      if (ast::flag(*cmd.fields, "missing_ok") && created_if_not_exists_.count(table)) created_.erase(table);
    } else if (cmd.subtype == "AT_SetNotNull") {
      set_not_null_.insert({table, std::string(cmd.name)});
    } else if (cmd.subtype == "AT_DropNotNull") {
      set_not_null_.erase({table, std::string(cmd.name)});
    }
  }
}

void Context::apply_drop(const Json& n) {
  for (const Json& obj : ast::list(n, "objects")) {
    auto items = ast::as<"List">(obj);
    if (!items) continue;
    created_.erase(qualify_names(ast::strings(ast::list(*items, "items"))));
  }
}

namespace {

// Constraints added NOT VALID in the open transaction are keyed "<table>.<constraint>": a renamed
// table or constraint keeps its entries under the new name.
void rename_not_valid_keys(std::set<std::string>& keys, const std::string& from_prefix, const std::string& to_prefix) {
  std::vector<std::string> moved;
  for (auto it = keys.lower_bound(from_prefix); it != keys.end() && it->compare(0, from_prefix.size(), from_prefix) == 0;) {
    moved.push_back(to_prefix + it->substr(from_prefix.size()));
    it = keys.erase(it);
  }
  keys.insert(moved.begin(), moved.end());
}

}  // namespace

void Context::apply_rename(const Json& n) {
  std::string_view type = ast::str(n, "renameType");
  const Json* rel = ast::field(n, "relation");
  if (rel && type == "OBJECT_TABCONSTRAINT") {
    std::string table = qualify_range_var(*rel).str() + ".";
    std::string from = table + std::string(ast::str(n, "subname")), to = table + std::string(ast::str(n, "newname"));
    if (not_valid_in_tx_.erase(from)) not_valid_in_tx_.insert(to);
    return;
  }
  if (rel && type == "OBJECT_TABLE") {
    QualifiedName table = qualify_range_var(*rel);
    rename_not_valid_keys(not_valid_in_tx_, table.str() + ".", QualifiedName{table.schema, std::string(ast::str(n, "newname"))}.str() + ".");
  }
  if (!rel || (type != "OBJECT_TABLE" && type != "OBJECT_INDEX" && type != "OBJECT_VIEW" &&
               type != "OBJECT_MATVIEW" && type != "OBJECT_SEQUENCE")) return;
  move_created(qualify_range_var(*rel), std::string(ast::str(n, "newname")));
}

void Context::move_created(const QualifiedName& from, const std::string& to) {
  auto it = created_.find(from);
  if (it == created_.end()) return;
  int tx = it->second;
  created_.erase(it);
  created_[{from.schema, to}] = tx;
}

// A statement the grammar rejects, on a newer target: what it creates is new
// in this migration (even though its columns are unknown).
void Context::apply_unparsed(const TokenReading& r, std::uint32_t at) {
  using Action = TokenReading::Action;
  if (r.empty() || r.names[0].empty()) return;  // nothing read, or an unnamed index
  QualifiedName name = qualify_names(r.names[0]);
  if (r.object == TokenReading::Object::Index && r.action == Action::Create)
    name = {qualify_names(r.index_table).schema, r.names[0].back()};
  if (r.action == Action::Create) {
    created_.try_emplace(name, transaction_id_);
    for (const NameParts& from : r.reads_from)
      if (QualifiedName source = qualify_names(from); source != name) copied_from_.try_emplace(source, RowsCopied{name, at});
  }
  else if (r.action == Action::Drop)
    for (const NameParts& n : r.names) created_.erase(qualify_names(n));
  else if (r.action == Action::Rename) move_created(name, r.new_name);
  else if (r.action == Action::Alter)
    for (const auto& nn : r.not_null)
      if (!nn.not_valid) set_not_null_.insert({name, nn.column});
}

// Every relation the query reads rows from (CTE names included: harmless).
void Context::record_copy(const QualifiedName& into, const Json& query, std::uint32_t at) {
  if (temporary_.count(into)) return;  // a temporary table goes with the session: it keeps nothing
  ast::walk(query, [&](std::string_view kind, const Json& fields) {
    if (kind != "RangeVar") return;
    QualifiedName from = qualify_range_var(fields);
    if (from != into) copied_from_.try_emplace(from, RowsCopied{into, at});
  });
}

UndoneMigration Context::undone_by(const ParsedFile& up, const AnalysisOptions& options) {
  UndoneMigration undone;
  Context replay(options);
  for (const Statement& s : up.statements) {
    if (s.deferred) continue;  // a function body changes nothing when the up script runs
    note_undone(s, replay, undone);
    replay.apply(s, Effects{});
  }
  for (const auto& [rel, tx] : replay.created_) undone.relations.insert(rel);
  // CREATE TABLE IF NOT EXISTS counts as the up script's creation here, even
  // where the file expects an older table: undoing it is what the down script is for.
  undone.relations.insert(replay.created_if_not_exists_.begin(), replay.created_if_not_exists_.end());
  return undone;
}

bool is_bulk_dml(const Statement& stmt) {
  const StmtKind k = stmt.tag;
  if (k == StmtKind::UpdateStmt || k == StmtKind::DeleteStmt || k == StmtKind::MergeStmt) return true;
  if (k != StmtKind::InsertStmt) return false;
  const Json* select = ast::field(stmt.node, "selectStmt");
  auto s = select ? ast::as<"SelectStmt">(*select) : nullptr;
  return s && ast::list(*s, "valuesLists").size() == 0;
}

void Context::track_emptied(const Statement& stmt, const Effects& effects) {
  const StmtKind k = stmt.tag;
  bool empties = k == StmtKind::TruncateStmt || (k == StmtKind::DeleteStmt && !ast::field(stmt.node, "whereClause"));
  if (empties) {
    for (const Consequence& loss : effects.data_loss)
      if (loss.column.empty()) emptied_.insert(loss.object);
  } else if ((k == StmtKind::InsertStmt || k == StmtKind::MergeStmt || k == StmtKind::CopyStmt) && effects.target) {
    emptied_.erase(*effects.target);
  } else if (k == StmtKind::CopyStmt && ast::field(stmt.node, "relation")) {
    emptied_.erase(qualify_range_var(*ast::field(stmt.node, "relation")));
  }
}

void Context::remember(const Statement& stmt, const Effects& effects) {
  PreviousStatement p{stmt.kind, effects.target, std::nullopt, effects.rewrite, effects.scan, stmt.begin};
  if (effects.target) p.target_lock = effects.lock_on(*effects.target);
  previous_ = std::move(p);
  if (in_transaction_ && effects.target && is_bulk_dml(stmt)) backfilled_.try_emplace(*effects.target, stmt.begin);
}

std::string Context::rename_key(const Statement& stmt, bool new_name) const {
  const Json& n = stmt.node;
  if (stmt.tag == StmtKind::AlterEnumStmt) {
    std::string_view value = new_name ? ast::str(n, "newVal") : ast::str(n, "oldVal");
    if (ast::str(n, "oldVal").empty()) return "";  // ADD VALUE
    return "VALUE:" + qualify_names(ast::strings(ast::list(n, "typeName"))).str() + ":" + std::string(value);
  }
  if (stmt.tag != StmtKind::RenameStmt) return "";
  std::string type(ast::str(n, "renameType")), to(ast::str(n, "newname"));
  if (type == "OBJECT_SCHEMA") return type + ":" + (new_name ? to : std::string(ast::str(n, "subname")));
  QualifiedName name;
  if (const Json* rel = ast::field(n, "relation")) {
    name = qualify_range_var(*rel);
    if (!ast::str(n, "subname").empty()) name.name += "." + std::string(new_name ? ast::str(n, "newname") : ast::str(n, "subname"));  // a column
    else if (new_name) name.name = to;
  } else if (const Json* obj = ast::field(n, "object")) {
    std::vector<std::string> names;
    if (auto l = ast::as<"List">(*obj)) names = ast::strings(ast::list(*l, "items"));
    else if (auto f = ast::as<"ObjectWithArgs">(*obj)) names = ast::strings(ast::list(*f, "objname"));
    if (names.empty()) return "";
    name = qualify_names(names);
    if (new_name) name.name = to;
  }
  return name.name.empty() ? "" : type + ":" + name.str();
}

void Context::apply(const Statement& stmt, const Effects& effects) {
  remember(stmt, effects);
  const Json& n = stmt.node;
  const StmtKind k = stmt.tag;
  if (k == StmtKind::TransactionStmt) {
    std::string_view kind = ast::str(n, "kind");
    if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") {
      if (!in_transaction_) {
        begin_transaction(true);
        begin_offset_ = stmt.begin;
      } else if (in_implicit_block()) {  // the implicit block becomes explicit, statements before it included
        explicit_block_ = true;
        begin_offset_ = stmt.begin;
      }
      // BEGIN inside a block only warns; the outer transaction goes on.
    } else if (kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_PREPARE") {
      if (in_transaction_) end_transaction(true);
      if (implicit_block_) begin_transaction(false);
    } else if (kind == "TRANS_STMT_ROLLBACK") {
      if (in_transaction_) end_transaction(false);
      if (implicit_block_) begin_transaction(false);
    }
    return;  // a transaction statement is not itself an implicit transaction
  }
  const Json* created = k == StmtKind::CreateStmt ? ast::field(n, "relation") : nullptr;
  bool existed = created && ast::flag(n, "if_not_exists") && catalog_.table(qualify_range_var(*created));
  catalog_.apply(stmt, *this);
  if (in_transaction_) {
    if (exclusive_since_) ++after_exclusive_;
    for (const RelationLock& l : effects.locks) {
      LockMode& held = held_.try_emplace(l.relation, l.mode).first->second;
      held = std::max(held, l.mode);
      if (l.mode == LockMode::AccessExclusive && !exclusive_since_ && !created_in_migration(l.relation)) {
        exclusive_since_ = stmt.begin;
        after_exclusive_ = 0;
      }
    }
  }
  if (in_transaction_) track_emptied(stmt, effects);
  if (k == StmtKind::VariableSetStmt) apply_set(n);
  else if (k == StmtKind::DiscardStmt && ast::str(n, "target") == "DISCARD_ALL") reset_settings();  // includes RESET ALL
  else if (k == StmtKind::SelectStmt) {
    apply_set_config(n);
    // SELECT ... INTO new_table creates the table, like CREATE TABLE AS.
    const Json* into = ast::field(n, "intoClause");
    if (const Json* rel = into ? ast::field(*into, "rel") : nullptr) {
      QualifiedName table = qualify_range_var(*rel);
      created_[table] = transaction_id_;
      if (is_temporary(*rel)) temporary_.insert(table);
      record_copy(table, n, stmt.begin);
    }
  }
  else if (k == StmtKind::CreateStmt) apply_create_table(n, existed);
  else if (k == StmtKind::CreateTableAsStmt) {
    const Json* into = ast::field(n, "into");
    if (const Json* rel = into ? ast::field(*into, "rel") : nullptr) {
      QualifiedName table = qualify_range_var(*rel);
      created_[table] = transaction_id_;
      if (is_temporary(*rel)) temporary_.insert(table);
      if (const Json* query = ast::field(n, "query"); query && ast::str(n, "objtype") == "OBJECT_TABLE")
        record_copy(table, *query, stmt.begin);
    }
  } else if (k == StmtKind::InsertStmt) {
    // INSERT ... SELECT, or an INSERT a FOR loop runs for each row it reads.
    const Json* rel = ast::field(n, "relation");
    if (rel && is_bulk_dml(stmt)) record_copy(qualify_range_var(*rel), *ast::field(n, "selectStmt"), stmt.begin);
    if (rel && stmt.loop_rows()) record_copy(qualify_range_var(*rel), *stmt.loop_rows(), stmt.begin);
  } else if (k == StmtKind::ViewStmt) {
    if (const Json* view = ast::field(n, "view")) created_[qualify_range_var(*view)] = transaction_id_;
  } else if (k == StmtKind::AlterEnumStmt) {
    std::string value(ast::str(n, "newVal"));
    if (in_transaction_ && !value.empty() && ast::str(n, "oldVal").empty())
      enum_values_in_tx_[value] = qualify_names(ast::strings(ast::list(n, "typeName")));
  } else if (k == StmtKind::CreateSchemaStmt) {
    schemas_created_.insert(std::string(ast::str(n, "schemaname")));
  } else if (k == StmtKind::CreateEnumStmt) {
    created_[qualify_names(ast::strings(ast::list(n, "typeName")))] = transaction_id_;
  } else if (k == StmtKind::CreateSeqStmt) {
    if (const Json* seq = ast::field(n, "sequence")) created_[qualify_range_var(*seq)] = transaction_id_;
  } else if (k == StmtKind::IndexStmt) {
    const Json* rel = ast::field(n, "relation");
    std::string_view idx = ast::str(n, "idxname");
    if (rel && !idx.empty()) created_[{qualify_range_var(*rel).schema, std::string(idx)}] = transaction_id_;
  } else if (k == StmtKind::AlterTableStmt) apply_alter_table(n);
  else if (k == StmtKind::DropStmt) apply_drop(n);
  else if (k == StmtKind::RenameStmt) apply_rename(n);
  else if (stmt.kind == kUnparsedKind && stmt.reading && pg_version() > grammar_version()) apply_unparsed(*stmt.reading, stmt.begin);

  // Outside a transaction block every statement is its own transaction.
  if (!in_transaction_) ++transaction_id_;
}

}  // namespace migrasafe
