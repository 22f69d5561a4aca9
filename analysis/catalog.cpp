#include "analysis/catalog.h"

#include <algorithm>
#include <atomic>

#include "parser/ast.h"
#include "parser/column_def.h"
#include "parser/table_elements.h"
#include "analysis/context.h"

namespace migrasafe {

std::string ColumnType::display() const {
  std::string out = name;
  if (!typmods.empty()) {
    out += "(";
    for (std::size_t i = 0; i < typmods.size(); ++i) out += (i ? "," : "") + std::to_string(typmods[i]);
    out += ")";
  }
  return array ? out + "[]" : out;
}

namespace {

// pg_catalog's name for a builtin type's SQL spelling; serial types are
// integers with a sequence default. Read as a view: this runs for every column.
std::string_view internal_type_name(std::string_view name) {
  if (std::string_view integer = serial_integer_type(name); !integer.empty()) return integer;
  if (name == "int" || name == "integer") return "int4";
  if (name == "bigint") return "int8";
  if (name == "smallint") return "int2";
  return name;
}

}  // namespace

std::optional<ColumnType> column_type(const Json& tn) {
  // The last two names, read in place: this runs for every column defined.
  std::string_view schema, name;
  std::size_t count = 0;
  for (const Json& item : ast::list(tn, "names"))
    if (auto s = ast::as<"String">(item)) {
      schema = name;
      name = ast::str(*s, "sval");
      ++count;
    }
  if (count == 0) return std::nullopt;
  ColumnType t;
  if (count >= 2 && schema != "pg_catalog") {
    t.name.reserve(schema.size() + 1 + name.size());
    ((t.name = schema) += ".") += name;
  } else {
    t.name = internal_type_name(name);
  }
  for (const Json& m : ast::list(tn, "typmods")) {
    auto c = ast::as<"A_Const">(m);
    const Json* iv = c ? ast::field(*c, "ival") : nullptr;
    if (!iv) return std::nullopt;  // a modifier we cannot read
    if (!t.typmods.push_back(ast::num(*iv, "ival"))) return std::nullopt;
  }
  t.array = ast::list(tn, "arrayBounds").size() > 0;
  return t;
}

const ColumnInfo* Catalog::column(const QualifiedName& t, const std::string& column) const {
  const TableInfo* info = table(t);
  if (!info) return nullptr;
  auto it = info->columns.find(column);
  return it == info->columns.end() ? nullptr : &it->second;
}

std::vector<QualifiedName> Catalog::views_using(const QualifiedName& table, const std::string& column) const {
  std::vector<QualifiedName> out;
  views_.for_each([&](const QualifiedName& name, const ViewInfo& v) {
    if (!v.tables.count(table)) return;
    if (column.empty() || v.all_columns_of.count(table) || v.columns.count({table, column})) out.push_back(name);
  });
  std::sort(out.begin(), out.end());  // shard order is not name order
  return out;
}

std::vector<QualifiedName> Catalog::owned_sequences(const QualifiedName& table, const std::string& column) const {
  std::vector<QualifiedName> out;
  if (const TableInfo* t = this->table(table))
    for (const auto& [col, seq] : t->owned_sequences)
      if (column.empty() || col == column) out.push_back(seq);
  return out;
}

void Catalog::set_owner(const QualifiedName& sequence, std::optional<std::pair<QualifiedName, std::string>> owner) {
  SequenceInfo* s = sequences_.find_for_write(sequence);
  if (!s) return;
  if (s->owned_by)
    if (TableInfo* old = tables_.find_for_write(s->owned_by->first)) old->owned_sequences.write().erase({s->owned_by->second, sequence});
  s->owned_by = owner;
  if (owner)
    if (TableInfo* t = tables_.find_for_write(owner->first)) t->owned_sequences.write().insert({owner->second, sequence});
}

bool Catalog::relation_exists(const QualifiedName& name) const {
  const std::size_t hash = ShardedMap<TableInfo>::hash_of(name);
  return tables_.find(name, hash) || indexes_.find(name, hash) || views_.find(name, hash) || sequences_.find(name, hash);
}

// PostgreSQL's makeObjectName and ChooseRelationName: "<table>_<part>_<label>",
// the longer of table and part shortened until it fits in 63 bytes, and a
// number appended to the label while the name is taken.
QualifiedName Catalog::choose_name(const QualifiedName& table, const std::string& part, const std::string& label) const {
  constexpr std::size_t kMaxName = 63;
  for (int pass = 0;; ++pass) {
    std::string suffix = pass ? label + std::to_string(pass) : label;
    std::size_t n1 = table.name.size(), n2 = part.size();
    std::size_t overhead = suffix.size() + 1 + (part.empty() ? 0 : 1);
    while (n1 + n2 + overhead > kMaxName && (n1 || n2)) (n1 > n2 ? n1 : n2)--;
    std::string name = table.name.substr(0, n1) + (part.empty() ? "" : "_" + part.substr(0, n2)) + "_" + suffix;
    QualifiedName q{table.schema, name};
    if (!relation_exists(q) || pass > 1000) return q;
  }
}

namespace {

std::optional<ColumnInfo> column_info(const Json& def, const ColumnDefFacts& facts) {
  const Json* tn = ast::field(def, "typeName");
  if (!tn) return std::nullopt;
  auto type = column_type(*tn);
  if (!type) return std::nullopt;
  ColumnInfo c{std::move(*type), facts.not_null, facts.fills_rows()};
  c.generated = facts.generated;
  return c;
}

// Columns a CHECK expression proves NOT NULL: `c IS NOT NULL`, and any
// such term of a top-level AND (PostgreSQL's implication proof sees those).
void collect_not_null_columns(const Json& expr, std::set<std::string>& out) {
  if (auto nt = ast::as<"NullTest">(expr)) {
    if (ast::str(*nt, "nulltesttype") != "IS_NOT_NULL") return;
    const Json* arg = ast::field(*nt, "arg");
    if (!arg) return;
    if (auto col = ast::as<"ColumnRef">(*arg)) {
      auto fields = ast::strings(ast::list(*col, "fields"));
      if (fields.size() == 1) out.insert(fields[0]);
    }
  } else if (auto b = ast::as<"BoolExpr">(expr)) {
    if (ast::str(*b, "boolop") != "AND_EXPR") return;
    for (const Json& arg : ast::list(*b, "args")) collect_not_null_columns(arg, out);
  }
}

// Every column an expression reads (the last name of each column reference).
void collect_columns(const Json& expr, std::set<std::string>& out) {
  ast::walk(expr, [&](std::string_view kind, const Json& fields) {
    if (kind != "ColumnRef") return;
    auto names = ast::strings(ast::list(fields, "fields"));
    if (!names.empty()) out.insert(names.back());
  });
}

// PRIMARY KEY, UNIQUE and EXCLUDE constraints are backed by an index of the
// constraint's name.
bool backed_by_index(std::string_view contype) {
  return contype == "CONSTR_PRIMARY" || contype == "CONSTR_UNIQUE" || contype == "CONSTR_EXCLUSION";
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "_") + (p.empty() ? std::string("expr") : p);
  return out;
}

}  // namespace

std::string constraint_name(const QualifiedName& table, const Json& con, const std::string& column) {
  std::string name(ast::str(con, "conname"));
  if (!name.empty()) return name;
  // PostgreSQL (ChooseConstraintName): a foreign key is named after all its
  // columns; a CHECK after its column when the expression reads exactly one,
  // else after the table alone, wherever it is declared.
  if (ast::str(con, "contype") == "CONSTR_FOREIGN") {
    auto cols = ast::strings(ast::list(con, "fk_attrs"));
    if (cols.empty()) cols.push_back(column);
    return table.name + "_" + joined(cols) + "_fkey";
  }
  std::set<std::string> columns;
  if (const Json* expr = ast::field(con, "raw_expr")) collect_columns(*expr, columns);
  return table.name + (columns.size() == 1 ? "_" + *columns.begin() : "") + "_check";
}

// A CHECK or FOREIGN KEY constraint (`column`: the column it is declared on,
// for a column constraint).
void Catalog::add_constraint(const QualifiedName& table, const Json& con, const std::string& column, const Context& ctx) {
  std::string_view type = ast::str(con, "contype");
  // Only these two are kept: most column constraints (NOT NULL, DEFAULT,
  // PRIMARY KEY) build no record.
  if (type != "CONSTR_CHECK" && type != "CONSTR_FOREIGN") return;
  ConstraintInfo c;
  if (!column.empty()) c.columns.insert(column);
  if (type == "CONSTR_CHECK") {
    const Json* expr = ast::field(con, "raw_expr");
    if (!expr) return;
    c.valid = !ast::flag(con, "skip_validation");
    collect_not_null_columns(*expr, c.not_null_columns);
    collect_columns(*expr, c.columns);
  } else if (type == "CONSTR_FOREIGN") {
    const Json* referenced = ast::field(con, "pktable");
    if (!referenced) return;
    c.kind = ConstraintInfo::Kind::ForeignKey;
    c.valid = !ast::flag(con, "skip_validation");
    c.references = ctx.qualify_range_var(*referenced);
    if (std::string_view action = ast::str(con, "fk_del_action"); !action.empty()) c.on_delete = action[0];
    for (const std::string& a : ast::strings(ast::list(con, "fk_attrs"))) c.columns.insert(a);
  }
  if (c.references) note_key_source(*c.references, table);
  constraints_.find_or_put(table)[constraint_name(table, con, column)] = std::move(c);
}

void Catalog::note_key_source(const QualifiedName& referenced, const QualifiedName& table) {
  const std::set<QualifiedName>* known = key_sources_.find(referenced);
  if (!known || !known->count(table)) key_sources_.find_or_put(referenced).insert(table);
}

void Catalog::add_column_constraints(const QualifiedName& table, const Json& def, const Context& ctx) {
  std::string column(ast::str(def, "colname"));
  for (const Json& c : ast::list(def, "constraints"))
    if (auto con = ast::as<"Constraint">(c)) add_constraint(table, *con, column, ctx);
}

// PostgreSQL drops the constraints that use a dropped column.
void Catalog::drop_constraints_using(const QualifiedName& table, const std::string& column) {
  const TableConstraints& all = constraints(table);
  if (std::none_of(all.begin(), all.end(), [&](const auto& c) { return c.second.columns.count(column) > 0; })) return;
  TableConstraints& w = constraints_.find_or_put(table);
  std::erase_if(w, [&](const auto& c) { return c.second.columns.count(column) > 0; });
}

void Catalog::rename_constraint_column(const QualifiedName& table, const std::string& from, const std::string& to) {
  const TableConstraints& all = constraints(table);
  if (std::none_of(all.begin(), all.end(), [&](const auto& c) { return c.second.columns.count(from) > 0; })) return;
  for (auto& [name, c] : constraints_.find_or_put(table))
    for (auto* columns : {&c.columns, &c.not_null_columns})
      if (columns->erase(from)) columns->insert(to);
}

void Catalog::add_column(const QualifiedName& table, TableInfo& t, const Json& def) {
  std::string name(ast::str(def, "colname"));
  const ColumnDefFacts facts = column_def_facts(def);
  auto info = column_info(def, facts);
  if (!info) {
    t.columns.write().erase(name);
    t.columns_known = false;
    return;
  }
  // Columns are ordered by when they were added: one increasing counter
  // gives that order in every table without looking at its other columns
  // (a table with thousands of columns must not cost a scan per ADD COLUMN).
  static std::atomic<int> next_position{1};
  info->position = next_position.fetch_add(1, std::memory_order_relaxed);
  t.columns.write()[name] = std::move(*info);
  if (facts.serial || facts.identity) {
    QualifiedName seq = choose_name(table, name, "seq");
    sequences_.put(seq, SequenceInfo{std::pair{table, name}});
    t.owned_sequences.write().insert({name, seq});
  }
  for (const Json& c : ast::list(def, "constraints"))  // the column's own list only for those that make an index
    if (auto con = ast::as<"Constraint">(c); con && backed_by_index(ast::str(*con, "contype")))
      add_constraint_index(table, *con, {name});
}

void Catalog::add_constraint_index(const QualifiedName& table, const Json& con, const std::vector<std::string>& default_columns) {
  std::string_view type = ast::str(con, "contype");
  if (!backed_by_index(type)) return;
  IndexInfo idx{.table = table,
                .unique = type != "CONSTR_EXCLUSION",
                .primary = type == "CONSTR_PRIMARY",
                .partial = ast::field(con, "where_clause") != nullptr};
  idx.columns = ast::strings(ast::list(con, "keys"));
  if (idx.columns.empty() && type != "CONSTR_EXCLUSION") idx.columns = default_columns;
  std::string name(ast::str(con, "conname"));
  QualifiedName qname = !name.empty() ? QualifiedName{table.schema, name}
                        : type == "CONSTR_PRIMARY" ? choose_name(table, "", "pkey")
                        : choose_name(table, joined(idx.columns), type == "CONSTR_UNIQUE" ? "key" : "excl");
  // ADD CONSTRAINT ... USING INDEX renames the existing index to the constraint's name.
  if (std::string_view existing = ast::str(con, "indexname"); !existing.empty()) {
    QualifiedName old{table.schema, std::string(existing)};
    if (const IndexInfo* found = index(old)) {
      idx.columns = found->columns;
      idx.partial = found->partial;
    }
    erase_index(old);
    if (TableInfo* t = tables_.find_for_write(table)) t->indexes.write().erase(old.name);
  }
  if (TableInfo* t = tables_.find_for_write(table)) {
    t->indexes.write().insert(qname.name);
    // Only a primary key changes columns: the list stays shared otherwise.
    if (idx.primary)
      for (const auto& c : idx.columns)
        if (t->columns.count(c)) t->columns.write().find(c)->second.not_null = true;
  }
  put_index(qname, std::move(idx));
}

void Catalog::create_table(const Json& n, const Context& ctx) {
  QualifiedName name = ctx.qualify_range_var(*ast::field(n, "relation"));
  if (ast::flag(n, "if_not_exists") && relation_exists(name)) return;  // a no-op in PostgreSQL
  drop_relation(name);  // a table dropped earlier and created again
  // `t` stays valid for the whole statement: nothing below copies the catalog,
  // so no later write finds the new value shared and copies it.
  TableInfo& t = tables_.put(name, {});
  t.temporary = ast::str(*ast::field(n, "relation"), "relpersistence") == "t";
  t.partitioned = ast::field(n, "partspec") != nullptr;
  bool partition = ast::field(n, "partbound") != nullptr;
  // INHERITS, LIKE and OF type bring columns the model does not copy.
  if ((!partition && ast::list(n, "inhRelations").size() > 0) || ast::field(n, "ofTypename")) t.columns_known = false;
  std::vector<const Json*> constraints;
  for (const TableElement& elt : table_elements(n)) {
    if (elt.column) add_column(name, t, *elt.column);
    else if (elt.constraint) constraints.push_back(elt.constraint);
    else t.columns_known = false;
  }
  if (partition && ast::list(n, "inhRelations").size() > 0) {
    QualifiedName parent = ctx.qualify_range_var(ast::list(n, "inhRelations")[0]);
    if (const TableInfo* p = table(parent)) {
      for (const auto& [col, info] : p->columns) t.columns.write().try_emplace(col, info);
      t.columns_known = p->columns_known;
    } else {
      t.columns_known = false;
    }
    const Json* bound = ast::field(n, "partbound");  // a PartitionBoundSpec, without a node wrapper
    attach(parent, name, bound && ast::flag(*bound, "is_default"));
  }
  for (const TableElement& elt : table_elements(n))
    if (elt.column) add_column_constraints(name, *elt.column, ctx);
  for (const Json* con : constraints) {
    add_constraint_index(name, *con, {});
    add_constraint(name, *con, "", ctx);
  }
}

void Catalog::attach(const QualifiedName& parent, const QualifiedName& partition, bool is_default) {
  if (TableInfo* p = tables_.find_for_write(parent)) {
    p->partitions.write().insert(partition);
    if (is_default) p->default_partition = partition;
  }
  if (TableInfo* c = tables_.find_for_write(partition)) c->partition_of = parent;
}

void Catalog::detach(const QualifiedName& parent, const QualifiedName& partition) {
  if (TableInfo* p = tables_.find_for_write(parent)) {
    p->partitions.write().erase(partition);
    if (p->default_partition && *p->default_partition == partition) p->default_partition.reset();
  }
  if (TableInfo* c = tables_.find_for_write(partition)) c->partition_of.reset();
}

void Catalog::alter_table(const Json& n, const Context& ctx) {
  const Json* rel = ast::field(n, "relation");
  if (!rel || ast::str(n, "objtype") == "OBJECT_INDEX") return;
  QualifiedName name = ctx.qualify_range_var(*rel);
  for (const AlterTableCommand& c : alter_table_commands(n)) {
    const Json* cmd = c.fields;
    std::string_view sub = c.subtype;
    std::string column(c.name);
    const Json* def = c.def;
    const Json* col = c.column;
    auto part = def ? ast::as<"PartitionCmd">(*def) : nullptr;
    // Indexes, constraints and partitions are known even for a table whose columns are not.
    if (sub == "AT_AddConstraint" && c.constraint) {
      add_constraint_index(name, *c.constraint, {});
      add_constraint(name, *c.constraint, "", ctx);
    } else if (sub == "AT_AddColumn" && col) {
      const TableInfo* known = table(name);
      bool no_op = ast::flag(*cmd, "missing_ok") && known && known->columns.count(std::string(ast::str(*col, "colname")));
      if (!no_op) add_column_constraints(name, *col, ctx);
    } else if (sub == "AT_DropConstraint") {
      if (const IndexInfo* idx = index({name.schema, column}); idx && idx->table == name) drop_relation({name.schema, column});
      if (constraints(name).count(column)) constraints_.find_or_put(name).erase(column);
    } else if (sub == "AT_ValidateConstraint") {
      if (constraints(name).count(column)) constraints_.find_or_put(name)[column].valid = true;
    } else if (sub == "AT_DropColumn") {
      drop_constraints_using(name, column);
      // Indexes on the column go with it.
      for (const auto& i : index_names(name))
        if (const IndexInfo* idx = index({name.schema, i}))
          if (std::find(idx->columns.begin(), idx->columns.end(), column) != idx->columns.end()) drop_relation({name.schema, i});
    } else if (sub == "AT_AttachPartition" && part && ast::field(*part, "name")) {
      const Json* bound = ast::field(*part, "bound");
      attach(name, ctx.qualify_range_var(*ast::field(*part, "name")), bound && ast::flag(*bound, "is_default"));
    }
    else if (sub == "AT_DetachPartition" && part && ast::field(*part, "name")) detach(name, ctx.qualify_range_var(*ast::field(*part, "name")));
    // Only the commands below change the table's own record: the others must
    // not take it for writing, which copies it when it is shared.
    const TableInfo* known = table(name);
    if (!known) continue;  // unknown table: its columns stay unknown
    const bool has_column = known->columns.count(column) > 0;
    auto column_for_write = [&]() -> ColumnInfo& { return tables_.find_for_write(name)->columns.write().find(column)->second; };
    if (sub == "AT_AddColumn" && col) {
      if (!(ast::flag(*cmd, "missing_ok") && known->columns.count(std::string(ast::str(*col, "colname")))))
        add_column(name, *tables_.find_for_write(name), *col);
    } else if (sub == "AT_DropColumn") {
      if (has_column) tables_.find_for_write(name)->columns.write().erase(column);
      for (const auto& seq : owned_sequences(name, column)) drop_relation(seq);
      // Views go with it with CASCADE (without, the DROP fails).
      if (ast::str(*cmd, "behavior") == "DROP_CASCADE")
        for (const auto& v : views_using(name, column)) views_.erase(v);
    } else if (!has_column) {
      continue;
    } else if (sub == "AT_AlterColumnType" && col) {
      const Json* tn = ast::field(*col, "typeName");
      auto type = tn ? column_type(*tn) : std::nullopt;
      if (type) column_for_write().type = *type;
      else {
        TableInfo* t = tables_.find_for_write(name);
        t->columns.write().erase(column);  // no longer known
        t->columns_known = false;
      }
    } else if (sub == "AT_SetNotNull" || sub == "AT_DropNotNull") {
      column_for_write().not_null = sub == "AT_SetNotNull";
    } else if (sub == "AT_ColumnDefault") {
      column_for_write().has_default = def && !ast::is_null_constant(*def);  // SET DEFAULT NULL removes it
    } else if (sub == "AT_AddIdentity") {
      ColumnInfo& c = column_for_write();
      c.has_default = c.not_null = true;
      QualifiedName seq = choose_name(name, column, "seq");
      sequences_.put(seq, {});
      set_owner(seq, std::pair{name, column});
    } else if (sub == "AT_DropExpression") {
      column_for_write().generated = false;  // now an ordinary column holding the computed values
    } else if (sub == "AT_DropIdentity") {
      column_for_write().has_default = false;
      for (const auto& seq : owned_sequences(name, column)) drop_relation(seq);
    }
  }
}

bool uses_btree(const Json& index_stmt) {
  std::string_view method = ast::str(index_stmt, "accessMethod");
  return method.empty() || method == "btree";
}

void Catalog::create_index(const Json& n, const Context& ctx) {
  QualifiedName table = ctx.qualify_range_var(*ast::field(n, "relation"));
  IndexInfo idx{.table = table,
                .unique = ast::flag(n, "unique"),
                .primary = ast::flag(n, "primary"),
                .partial = ast::field(n, "whereClause") != nullptr,
                .btree = uses_btree(n)};
  for (const Json& p : ast::list(n, "indexParams"))
    if (auto e = ast::as<"IndexElem">(p)) idx.columns.emplace_back(ast::str(*e, "name"));
  std::string_view given = ast::str(n, "idxname");
  QualifiedName name = !given.empty() ? QualifiedName{table.schema, std::string(given)}
                                      : choose_name(table, joined(idx.columns), idx.unique ? "key" : "idx");
  if (ast::flag(n, "if_not_exists") && relation_exists(name)) return;
  put_index(name, std::move(idx));
  if (TableInfo* t = tables_.find_for_write(table)) t->indexes.write().insert(name.name);
}

// Which table columns a view's query reads, resolved SELECT by SELECT as
// PostgreSQL does: a name is looked up in its own SELECT's FROM list first,
// then in the enclosing ones (correlated subqueries). Subqueries, CTEs and
// functions in FROM are "derived": their own SELECTs record what they read.
class ViewReader {
 public:
  // A FROM item by its alias; the alias and CTE names are read in place in
  // the statement's tree, which outlives the reader.
  struct Source {
    std::string_view alias;
    std::optional<QualifiedName> table;  // nullopt: derived
    // The table as the catalog has it (null: not known), looked up once for
    // all the column references that may name it: the catalog does not
    // change while a view is read.
    const TableInfo* info = nullptr;
  };
  // A SELECT's FROM items, one per alias (a later item replaces one of the
  // same alias, as in a map; a handful, so searched in order).
  class Scope {
   public:
    void put(std::string_view alias, std::optional<QualifiedName> table = std::nullopt, const TableInfo* info = nullptr) {
      for (Source& s : sources_)
        if (s.alias == alias) {
          s.table = std::move(table);
          s.info = info;
          return;
        }
      sources_.push_back({alias, std::move(table), info});
    }
    const Source* find(std::string_view alias) const {
      for (const Source& s : sources_)
        if (s.alias == alias) return &s;
      return nullptr;
    }
    auto begin() const { return sources_.begin(); }
    auto end() const { return sources_.end(); }
    std::size_t size() const { return sources_.size(); }

   private:
    std::vector<Source> sources_;
  };
  using Names = std::vector<std::string_view>;

  ViewReader(const Catalog& catalog, const Context& ctx, ViewInfo& view) : catalog_(catalog), ctx_(ctx), view_(view) {}

  void select(const Json& s, const std::vector<const Scope*>& outer, Names ctes) {
    if (const Json* with = ast::field(s, "withClause"))
      for (const Json& cte : ast::list(*with, "ctes"))
        if (auto c = ast::as<"CommonTableExpr">(cte)) {
          ctes.push_back(ast::str(*c, "ctename"));  // before its query: WITH RECURSIVE reads itself
          if (const Json* q = ast::field(*c, "ctequery")) query(*q, outer, ctes);
        }
    if (ast::field(s, "larg")) {  // UNION / INTERSECT / EXCEPT
      select(*ast::field(s, "larg"), outer, ctes);  // typed fields: not wrapped
      if (const Json* r = ast::field(s, "rarg")) select(*r, outer, ctes);
      return;
    }
    Scope scope;
    std::vector<const Json*> deferred;  // JOIN conditions, read once the scope is complete
    for (const Json& item : ast::list(s, "fromClause")) add_from(item, scope, outer, ctes, deferred);
    std::vector<const Scope*> chain{&scope};
    chain.insert(chain.end(), outer.begin(), outer.end());
    Names outputs;  // ORDER BY may name an output column
    for (const Json& t : ast::list(s, "targetList"))
      if (auto rt = ast::as<"ResTarget">(t)) outputs.push_back(ast::str(*rt, "name"));
    for (const Json* q : deferred) expression(*q, chain, ctes, outputs);
    for (const auto& member : s.items())
      if (member.tree_key() != TreeKey("fromClause") && member.tree_key() != TreeKey("withClause"))
        expression(member.value, chain, ctes, outputs);
  }

 private:
  static bool contains(const Names& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  }

  void query(const Json& wrapped, const std::vector<const Scope*>& outer, const Names& ctes) {
    if (auto s = ast::as<"SelectStmt">(wrapped)) select(*s, outer, ctes);
    else view_.columns_known = false;  // a data-modifying CTE, say
  }

  void add_from(const Json& item, Scope& scope, const std::vector<const Scope*>& outer, const Names& ctes,
                std::vector<const Json*>& deferred) {
    auto alias_of = [](const Json& n, std::string_view fallback) {
      const Json* a = ast::field(n, "alias");
      return a ? ast::str(*a, "aliasname") : fallback;
    };
    if (auto rv = ast::as<"RangeVar">(item)) {
      std::string_view rel = ast::str(*rv, "relname");
      if (ast::str(*rv, "schemaname").empty() && contains(ctes, rel)) {
        scope.put(alias_of(*rv, rel));
        return;
      }
      QualifiedName q = ctx_.qualify_range_var(*rv);
      view_.tables.insert(q);
      const TableInfo* info = catalog_.table(q);
      scope.put(alias_of(*rv, rel), std::move(q), info);
    } else if (auto sub = ast::as<"RangeSubselect">(item)) {
      std::vector<const Scope*> visible = outer;
      if (ast::flag(*sub, "lateral")) visible.insert(visible.begin(), &scope);
      if (const Json* q = ast::field(*sub, "subquery")) query(*q, visible, ctes);
      scope.put(alias_of(*sub, ""));
    } else if (auto join = ast::as<"JoinExpr">(item)) {
      if (const Json* l = ast::field(*join, "larg")) add_from(*l, scope, outer, ctes, deferred);
      if (const Json* r = ast::field(*join, "rarg")) add_from(*r, scope, outer, ctes, deferred);
      if (const Json* q = ast::field(*join, "quals")) deferred.push_back(q);
      for (const std::string& c : ast::strings(ast::list(*join, "usingClause"))) using_column(scope, c);
    } else if (auto fn = ast::as<"RangeFunction">(item)) {
      if (const Json* f = ast::field(*fn, "functions")) deferred.push_back(f);
      scope.put(alias_of(*fn, ""));
    } else {
      view_.columns_known = false;
    }
  }

  // JOIN ... USING (c): the view reads c of both sides.
  void using_column(const Scope& scope, const std::string& column) {
    for (const Source& source : scope)
      if (has_column(source, column)) view_.columns.insert({*source.table, column});
  }

  void expression(const Json& n, const std::vector<const Scope*>& chain, const Names& ctes, const Names& outputs) {
    if (n.is_array()) {
      for (const Json& e : n) expression(e, chain, ctes, outputs);
      return;
    }
    if (!n.is_object()) return;
    if (n.size() == 1) {  // a wrapped node, {"Kind": {...}}: its kind read once
      const TreeKey kind = n.members_begin()->tree_key();
      const Json& fields = ast::inner(n);
      // Leaves that name no column (constants, the names in a function call or type).
      if (kind == TreeKey("A_Const") || kind == TreeKey("String")) return;
      if (kind == TreeKey("ColumnRef")) return column_ref(fields, chain, outputs);
      if (kind == TreeKey("SubLink")) {
        if (const Json* q = ast::field(fields, "subselect")) query(*q, chain, ctes);
        if (const Json* t = ast::field(fields, "testexpr")) expression(*t, chain, ctes, outputs);
        return;
      }
      if (kind == TreeKey("SelectStmt")) return select(fields, chain, ctes);
    }
    for (const auto& member : n.items()) expression(member.value, chain, ctes, outputs);
  }

  static bool has_column(const Source& source, const std::string& column) {
    return source.info && source.info->columns.count(column) > 0;
  }

  // PostgreSQL expands * when the view is created: later columns are not part of it.
  void star_of(const Source& source) {
    const QualifiedName& t = *source.table;
    if (!source.info || !source.info->columns_known) {
      view_.all_columns_of.insert(t);
      return;
    }
    for (const auto& [name, col] : source.info->columns) view_.columns.insert({t, name});
  }

  void column_ref(const Json& ref, const std::vector<const Scope*>& chain, const Names& outputs) {
    const Json& fields = ast::list(ref, "fields");
    if (fields.size() == 0) return;
    bool star = ast::as<"A_Star">(fields[fields.size() - 1]) != nullptr;
    Names& names = names_;  // the String items, as ast::strings lists them
    names.clear();
    for (const Json& item : fields)
      if (auto s = ast::as<"String">(item)) names.push_back(ast::str(*s, "sval"));
    if (fields.size() >= 2) {  // alias.column or alias.*
      std::string_view qualifier = names[fields.size() - 2];
      for (const Scope* scope : chain)
        if (const Source* source = scope->find(qualifier)) {
          if (!source->table) return;  // derived: its SELECT recorded what it reads
          if (star) star_of(*source);
          else view_.columns.insert({*source->table, std::string(names.back())});
          return;
        }
      view_.columns_known = false;
      return;
    }
    if (star) {  // an unqualified * is its own SELECT's FROM list
      if (!chain.empty())
        for (const Source& source : *chain.front())
          if (source.table) star_of(source);
      return;
    }
    const std::string column(names.back());
    for (const Scope* scope : chain) {
      std::vector<const QualifiedName*> owners, unreadable;
      bool derived = false;
      for (const Source& source : *scope) {
        if (!source.table) derived = true;
        else if (has_column(source, column)) owners.push_back(&*source.table);
        else if (!source.info || !source.info->columns_known) unreadable.push_back(&*source.table);
      }
      if (!owners.empty()) {  // several only for a JOIN ... USING column, which is both
        for (const QualifiedName* o : owners) view_.columns.insert({*o, column});
        return;
      }
      if (unreadable.size() == 1 && scope->size() == 1) {
        view_.columns.insert({*unreadable[0], column});
        return;
      }
      if (!unreadable.empty()) {
        view_.columns_known = false;
        return;
      }
      if (derived) return;  // a subquery's or function's output column
    }
    if (!contains(outputs, column)) view_.columns_known = false;
  }

  const Catalog& catalog_;
  const Context& ctx_;
  ViewInfo& view_;
  Names names_;  // column_ref's, reused: one allocation per view, not per column reference
};

void Catalog::create_view(const QualifiedName& name, const Json& query, bool materialized, const Context& ctx) {
  ViewInfo v;
  v.materialized = materialized;
  if (auto s = ast::as<"SelectStmt">(query)) ViewReader(*this, ctx, v).select(*s, {}, {});
  else v.columns_known = false;
  views_.put(name, std::move(v));
}

// A relation and what goes with it: a table's indexes, owned sequences and
// partitions (a partitioned table's partitions are dropped with it).
void Catalog::drop_relation(const QualifiedName& name) {
  // Every CREATE TABLE comes here first: the name is hashed once for the
  // lookups, and a map is taken for writing only when it has the name.
  const std::size_t hash = ShardedMap<TableInfo>::hash_of(name);
  if (constraints_.find(name, hash)) constraints_.erase(name);
  if (tables_.find(name, hash)) {
    const std::shared_ptr<const TableInfo> gone = tables_.find_shared(name);  // kept past its erase
    tables_.erase(name);
    for (const auto& i : gone->indexes) erase_index({name.schema, i});
    for (const auto& [column, seq] : gone->owned_sequences) sequences_.erase(seq);
    for (const auto& p : gone->partitions) drop_relation(p);
    if (gone->partition_of) detach(*gone->partition_of, name);
  }
  if (const IndexInfo* idx = indexes_.find(name, hash)) {
    if (TableInfo* t = tables_.find_for_write(idx->table)) t->indexes.write().erase(name.name);
    erase_index(name);
  }
  if (const ViewInfo* v = views_.find(name, hash)) {
    if (v->materialized)  // its indexes go with it (not listed on a table)
      for (const auto& i : index_names(name)) erase_index({name.schema, i});
    views_.erase(name);
  }
  if (sequences_.find(name, hash)) {
    set_owner(name, std::nullopt);
    sequences_.erase(name);
  }
}

// DROP TABLE (or another relation): foreign keys that reference it go too
// (with CASCADE; without, the drop fails).
void Catalog::drop_table(const QualifiedName& name) {
  if (!relation_exists(name))  // a table the model does not know: the indexes it knows on it go
    for (const auto& i : index_names(name)) drop_relation({name.schema, i});
  drop_relation(name);
  for (const QualifiedName& table : tables_referencing(name))
    std::erase_if(constraints_.find_or_put(table), [&](const auto& c) { return c.second.references == name; });
}

std::vector<QualifiedName> Catalog::tables_in_schema(const std::string& schema) const {
  std::vector<QualifiedName> out;
  tables_.for_each([&](const QualifiedName& q, const TableInfo&) {
    if (q.schema == schema) out.push_back(q);
  });
  std::sort(out.begin(), out.end());
  return out;
}

void Catalog::drop(const Json& n, const Context& ctx) {
  std::string_view type = ast::str(n, "removeType");
  bool cascade = ast::str(n, "behavior") == "DROP_CASCADE";
  for (const Json& obj : ast::list(n, "objects")) {
    if (type == "OBJECT_SCHEMA") {
      std::string schema(ast::as<"String">(obj) ? ast::str(*ast::as<"String">(obj), "sval") : "");
      std::vector<QualifiedName> gone;
      auto collect = [&](const QualifiedName& q, const auto&) { if (q.schema == schema) gone.push_back(q); };
      tables_.for_each(collect);
      views_.for_each(collect);
      sequences_.for_each(collect);
      std::sort(gone.begin(), gone.end());  // the maps' order is no order
      for (const auto& q : gone) drop_table(q);
      continue;
    }
    auto items = ast::as<"List">(obj);
    if (type == "OBJECT_TYPE") {
      // DROP TYPE takes TypeName nodes.
      if (auto tn = ast::as<"TypeName">(obj)) enums_.erase(ctx.qualify_names(ast::strings(ast::list(*tn, "names"))));
      continue;
    }
    if (!items) continue;
    if (type == "OBJECT_TRIGGER") {  // DROP TRIGGER t ON tbl: [..., tbl, t]
      auto names = ast::strings(ast::list(*items, "items"));
      std::string trigger = names.back();
      names.pop_back();
      if (TableInfo* t = names.empty() ? nullptr : tables_.find_for_write(ctx.qualify_names(names))) t->triggers.write().erase(trigger);
      continue;
    }
    QualifiedName name = ctx.qualify_names(ast::strings(ast::list(*items, "items")));
    if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" || type == "OBJECT_INDEX" ||
        type == "OBJECT_SEQUENCE" || type == "OBJECT_FOREIGN_TABLE") {
      if (cascade)
        for (const auto& v : views_using(name, "")) views_.erase(v);
      // An index has no indexes of its own and no foreign key references it.
      if (type == "OBJECT_INDEX") drop_relation(name);
      else drop_table(name);
    }
  }
}

// Columns refer to their type by identity: a renamed type renames theirs.
void Catalog::retype_columns(const QualifiedName& type, const std::string& to) {
  std::string qualified = type.schema + "." + type.name;
  std::vector<QualifiedName> affected;
  tables_.for_each([&](const QualifiedName& t, const TableInfo& info) {
    for (const auto& [c, col] : info.columns)
      if (col.type.name == type.name || col.type.name == qualified) {
        affected.push_back(t);
        return;
      }
  });
  for (const QualifiedName& t : affected)
    for (auto& [c, col] : tables_.find_for_write(t)->columns.write()) {
      if (col.type.name == type.name) col.type.name = to;
      else if (col.type.name == qualified) col.type.name = type.schema + "." + to;
    }
}

void Catalog::rename_constraint(const QualifiedName& table, const std::string& from, const std::string& to) {
  if (!constraints(table).count(from)) return;
  TableConstraints& w = constraints_.find_or_put(table);
  w[to] = std::move(w[from]);
  w.erase(from);
}

void Catalog::rename(const Json& n, const Context& ctx) {
  std::string_view type = ast::str(n, "renameType");
  std::string to(ast::str(n, "newname"));
  if (type == "OBJECT_TYPE") {
    const Json* obj = ast::field(n, "object");
    auto items = obj ? ast::as<"List">(*obj) : nullptr;
    if (!items) return;
    QualifiedName name = ctx.qualify_names(ast::strings(ast::list(*items, "items")));
    enums_.rename(name, {name.schema, to});
    retype_columns(name, to);
    return;
  }
  const Json* rel = ast::field(n, "relation");
  if (!rel) return;
  QualifiedName name = ctx.qualify_range_var(*rel);
  QualifiedName renamed{name.schema, to};
  if (type == "OBJECT_COLUMN") {
    std::string from(ast::str(n, "subname"));
    rename_constraint_column(name, from, to);  // known on tables whose columns are not
    TableInfo* t = tables_.find_for_write(name);
    if (!t) return;
    if (!t->columns.count(from)) return;
    auto& columns = t->columns.write();
    auto col = columns.find(from);
    ColumnInfo info = col->second;
    columns.erase(col);
    columns[to] = info;
    // Indexes and views follow a column by identity, as PostgreSQL's do.
    for (const auto& i : t->indexes) {
      const QualifiedName index_name{name.schema, i};
      const IndexInfo* idx = index(index_name);
      // An index without the column is left as it is (shared, not logged as changed).
      if (!idx || std::find(idx->columns.begin(), idx->columns.end(), from) == idx->columns.end()) continue;
      IndexInfo* renamed_in = indexes_.find_for_write(index_name);
      unlist_index(index_name, *renamed_in);
      std::replace(renamed_in->columns.begin(), renamed_in->columns.end(), from, to);
      list_index(index_name, *renamed_in);
    }
    for (const auto& v : views_using(name, from)) {
      ViewInfo& view = *views_.find_for_write(v);
      if (view.columns.erase({name, from})) view.columns.insert({name, to});
    }
  } else if (type == "OBJECT_TABCONSTRAINT") {
    // A unique or primary-key constraint's index is renamed with it.
    std::string from(ast::str(n, "subname"));
    QualifiedName index_name{name.schema, from};
    if (const IndexInfo* idx = index(index_name); idx && idx->table == name) {
      if (TableInfo* t = tables_.find_for_write(name)) {
        t->indexes.write().erase(from);
        t->indexes.write().insert(to);
      }
      move_index(index_name, renamed, name);
    }
    rename_constraint(name, from, to);
  } else if (type == "OBJECT_INDEX") {
    rename_index(name, to);
  } else if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" || type == "OBJECT_SEQUENCE") {
    rename_relation(name, to);
  }
}

void Catalog::rename_index(const QualifiedName& name, const std::string& to) {
  const IndexInfo* idx = index(name);
  if (!idx) return;
  if (TableInfo* t = tables_.find_for_write(idx->table)) {
    t->indexes.write().erase(name.name);
    t->indexes.write().insert(to);
  }
  move_index(name, {name.schema, to}, idx->table);
}

void Catalog::rename_relation(const QualifiedName& name, const std::string& to) {
  QualifiedName renamed{name.schema, to};
  std::optional<std::pair<QualifiedName, std::string>> owner;
  if (const SequenceInfo* seq = sequence(name)) owner = seq->owned_by;
  set_owner(name, std::nullopt);
  tables_.rename(name, renamed);
  views_.rename(name, renamed);
  sequences_.rename(name, renamed);
  set_owner(renamed, owner);
  if (const TableInfo* t = table(renamed)) retarget_table(name, renamed, *t);
  for (const auto& v : views_using(name, "")) retarget_view(v, name, renamed);
  retarget_constraints(name, renamed);
}

void Catalog::apply_unparsed(const TokenReading& r, const Context& ctx) {
  using Action = TokenReading::Action;
  using Object = TokenReading::Object;
  if (r.empty()) return;
  QualifiedName name = ctx.qualify_names(r.names[0]);
  switch (r.action) {
    case Action::None:
      return;
    case Action::Create:
      if (r.object == Object::Index) {
        if (r.names[0].empty()) return;  // PostgreSQL names it from columns the reading does not know
        QualifiedName table = ctx.qualify_names(r.index_table);
        QualifiedName index_name{table.schema, r.names[0].back()};
        if (r.if_not_exists && relation_exists(index_name)) return;
        IndexInfo info;
        info.table = table;
        info.unique = r.unique;
        info.columns = {""};  // unknown, as an expression is
        put_index(index_name, std::move(info));
        if (TableInfo* t = tables_.find_for_write(table)) t->indexes.write().insert(index_name.name);
        return;
      }
      if (r.if_not_exists && relation_exists(name)) return;
      if (r.object == Object::Table) {
        TableInfo t;
        t.columns_known = false;
        t.created_unparsed = true;
        tables_.put(name, std::move(t));
      } else if (r.object == Object::Sequence) {
        sequences_.put(name, {});
      }
      return;
    case Action::Drop:
      for (const NameParts& n : r.names) drop_relation(ctx.qualify_names(n));
      return;
    case Action::Rename:
      if (r.object == Object::Index) rename_index(name, r.new_name);
      else rename_relation(name, r.new_name);
      return;
    case Action::Alter:
      if (TableInfo* t = tables_.find_for_write(name))
        for (const auto& nn : r.not_null)
          if (t->columns.count(nn.column) && !nn.not_valid) t->columns.write().find(nn.column)->second.not_null = true;
      return;
  }
}

// A renamed table keeps its constraints, and foreign keys that reference it
// follow it.
void Catalog::retarget_constraints(const QualifiedName& from, const QualifiedName& to) {
  constraints_.rename(from, to);
  for (const auto& [name, c] : constraints(to))
    if (c.references) note_key_source(*c.references, to);
  for (const QualifiedName& table : tables_referencing(from)) {
    note_key_source(to, table);
    for (auto& [name, c] : constraints_.find_or_put(table))
      if (c.references == from) c.references = to;
  }
}

// What points at a renamed table by name: its indexes, owned sequences,
// partitions and partitioned parent.
void Catalog::retarget_table(const QualifiedName& from, const QualifiedName& to, TableInfo t) {
  for (const auto& [column, seq] : t.owned_sequences)
    if (SequenceInfo* s = sequences_.find_for_write(seq)) s->owned_by = std::pair{to, column};
  for (const auto& i : t.indexes)
    move_index({to.schema, i}, {to.schema, i}, to);
  for (const auto& p : t.partitions)
    if (TableInfo* child = tables_.find_for_write(p)) child->partition_of = to;
  if (t.partition_of)
    if (TableInfo* parent = tables_.find_for_write(*t.partition_of)) {
      parent->partitions.write().erase(from);
      parent->partitions.write().insert(to);
      if (parent->default_partition && *parent->default_partition == from) parent->default_partition = to;
    }
}

void Catalog::retarget_view(const QualifiedName& view, const QualifiedName& from, const QualifiedName& to) {
  ViewInfo& v = *views_.find_for_write(view);
  if (v.tables.erase(from)) v.tables.insert(to);
  if (v.all_columns_of.erase(from)) v.all_columns_of.insert(to);
  std::set<std::pair<QualifiedName, std::string>> columns;
  for (const auto& [table, column] : v.columns) columns.insert({table == from ? to : table, column});
  v.columns = std::move(columns);
}

std::vector<std::string> Catalog::index_names(const QualifiedName& table) const {
  if (const TableInfo* t = this->table(table)) return {t->indexes.begin(), t->indexes.end()};
  std::vector<std::string> names;
  if (const auto* by_columns = index_names_by_columns_.find(table))
    for (const auto& [columns, listed] : *by_columns) names.insert(names.end(), listed.begin(), listed.end());
  std::sort(names.begin(), names.end());  // each is listed once, under its key columns
  return names;
}

void Catalog::visit_indexes_sharing_prefix(const QualifiedName& table, const std::vector<std::string>& columns,
                                           const std::function<bool(const std::string&, const IndexInfo&)>& visit) const {
  const auto* by_columns = index_names_by_columns_.find(table);
  if (!by_columns || columns.empty()) return;
  // The name lists that may hold such an index: key columns that are a
  // shorter prefix of `columns` (one lookup per length), and key columns that
  // start with `columns` (one contiguous run in lexicographic order).
  std::vector<std::pair<std::set<std::string>::const_iterator, std::set<std::string>::const_iterator>> lists;
  for (std::size_t length = 1; length < columns.size(); ++length) {
    auto it = by_columns->find(std::vector<std::string>(columns.begin(), columns.begin() + static_cast<std::ptrdiff_t>(length)));
    if (it != by_columns->end()) lists.emplace_back(it->second.begin(), it->second.end());
  }
  for (auto it = by_columns->lower_bound(columns);
       it != by_columns->end() && it->first.size() >= columns.size() &&
       std::equal(columns.begin(), columns.end(), it->first.begin());
       ++it)
    lists.emplace_back(it->second.begin(), it->second.end());
  // Merged in name order (a name is in one list: its key columns').
  while (true) {
    const std::string* next = nullptr;
    for (const auto& [at, end] : lists)
      if (at != end && (!next || *at < *next)) next = &*at;
    if (!next) return;
    std::string name = *next;
    for (auto& [at, end] : lists)
      if (at != end && *at == name) ++at;
    const IndexInfo* idx = index({table.schema, name});
    if (!idx || idx->table != table) continue;
    std::size_t common = std::min(idx->columns.size(), columns.size());
    if (std::equal(columns.begin(), columns.begin() + static_cast<std::ptrdiff_t>(common), idx->columns.begin()) &&
        visit(name, *idx))
      return;
  }
}

void Catalog::list_index(const QualifiedName& name, const IndexInfo& info) {
  index_names_by_columns_.find_or_put(info.table)[info.columns].insert(name.name);
}

void Catalog::unlist_index(const QualifiedName& name, const IndexInfo& info) {
  auto* by_columns = index_names_by_columns_.find_for_write(info.table);
  if (!by_columns) return;
  auto listed = by_columns->find(info.columns);
  if (listed == by_columns->end()) return;
  listed->second.erase(name.name);
  if (listed->second.empty()) by_columns->erase(listed);
  if (by_columns->empty()) index_names_by_columns_.erase(info.table);
}

void Catalog::put_index(const QualifiedName& name, IndexInfo info) {
  erase_index(name);
  list_index(name, info);
  indexes_.put(name, std::move(info));
}

void Catalog::erase_index(const QualifiedName& name) {
  const IndexInfo* idx = index(name);
  if (!idx) return;
  unlist_index(name, *idx);
  indexes_.erase(name);
}

// A renamed index, or one whose table was renamed.
void Catalog::move_index(const QualifiedName& from, const QualifiedName& to, const QualifiedName& table) {
  const IndexInfo* idx = index(from);
  if (!idx) return;
  IndexInfo moved = *idx;
  moved.table = table;
  erase_index(from);
  put_index(to, std::move(moved));
}

std::vector<QualifiedName> Catalog::tables_referencing(const QualifiedName& table) const {
  std::vector<QualifiedName> out;
  const std::set<QualifiedName>* sources = key_sources_.find(table);
  if (!sources) return out;
  for (const QualifiedName& t : *sources) {
    const TableConstraints& all = constraints(t);
    if (std::any_of(all.begin(), all.end(), [&](const auto& c) { return c.second.references == table; })) out.push_back(t);
  }
  // By shard, then name: the order the callers lock them in, which reports show.
  std::sort(out.begin(), out.end(), [](const QualifiedName& a, const QualifiedName& b) {
    std::size_t sa = shard_of(a), sb = shard_of(b);
    return sa != sb ? sa < sb : a < b;
  });
  return out;
}

bool Catalog::has_plain_unique_index(const QualifiedName& rel) const {
  const auto* by_columns = index_names_by_columns_.find(rel);
  if (!by_columns) return false;
  for (const auto& [columns, listed] : *by_columns) {
    if (columns.empty() || std::any_of(columns.begin(), columns.end(), [](const std::string& c) { return c.empty(); }))
      continue;
    for (const std::string& name : listed)
      if (const IndexInfo* i = index({rel.schema, name}); i && i->unique && !i->partial) return true;
  }
  return false;
}

void Catalog::set_function_effects(const QualifiedName& name, FunctionEffects runs, bool replace) {
  FunctionInfo& f = functions_.find_or_put(name);
  if (replace || f.overloads <= 1) {
    f.runs = std::make_shared<const FunctionEffects>(std::move(runs));
    return;
  }
  if (!f.runs) return;  // an overload's body could not be read: calls stay unknown
  // Calls cannot be told apart by argument types here: each may run either body.
  FunctionEffects both = *f.runs;
  for (const auto& [relation, mode] : runs.locks) both.add_lock(relation, mode);
  if (both.unknown.empty()) both.unknown = runs.unknown;
  for (const QualifiedName& callee : runs.calls) both.add_call(callee);
  f.runs = std::make_shared<const FunctionEffects>(std::move(both));
}

std::optional<Volatility> Catalog::function_volatility(const QualifiedName& name) const {
  const FunctionInfo* f = functions_.find(name);
  if (!f) return std::nullopt;
  return f->volatility;
}

void Catalog::begin_transaction() {
  tables_.begin_undo();
  indexes_.begin_undo();
  index_names_by_columns_.begin_undo();
  views_.begin_undo();
  sequences_.begin_undo();
  enums_.begin_undo();
  functions_.begin_undo();
  constraints_.begin_undo();
}

void Catalog::end_transaction(bool commit) {
  tables_.end_undo(commit);
  indexes_.end_undo(commit);
  index_names_by_columns_.end_undo(commit);
  views_.end_undo(commit);
  sequences_.end_undo(commit);
  enums_.end_undo(commit);
  functions_.end_undo(commit);
  constraints_.end_undo(commit);
}

void Catalog::apply(const Statement& stmt, const Context& ctx) {
  const Json& n = stmt.node;
  if (stmt.tag == StmtKind::CreateFunctionStmt) {
    // VOLATILE unless the definition says otherwise, as in PostgreSQL.
    Volatility v = Volatility::Volatile;
    for (const Json& o : ast::list(n, "options")) {
      auto d = ast::as<"DefElem">(o);
      const Json* arg = d && ast::str(*d, "defname") == "volatility" ? ast::field(*d, "arg") : nullptr;
      auto word = arg ? ast::as<"String">(*arg) : nullptr;
      if (!word) continue;
      std::string_view w = ast::str(*word, "sval");
      v = w == "immutable" ? Volatility::Immutable : w == "stable" ? Volatility::Stable : Volatility::Volatile;
    }
    QualifiedName name = ctx.qualify_names(ast::strings(ast::list(n, "funcname")));
    bool returns_trigger = false;
    if (const Json* ret = ast::field(n, "returnType")) {
      auto type = ast::strings(ast::list(*ret, "names"));
      returns_trigger = !type.empty() && (type.back() == "trigger" || type.back() == "event_trigger");
    }
    const bool known = functions_.find(name) != nullptr;
    FunctionInfo& f = functions_.find_or_put(name);
    // Overloads that disagree cannot be told apart without argument types.
    if (known && f.volatility != v && !ast::flag(n, "replace")) f.volatility = Volatility::Unknown;
    else f.volatility = v;
    f.trigger = f.trigger || returns_trigger;
    f.overloads = ast::flag(n, "replace") ? 1 : f.overloads + 1;
  } else if (stmt.tag == StmtKind::CreateTrigStmt) {
    if (TableInfo* t = tables_.find_for_write(ctx.qualify_range_var(*ast::field(n, "relation")))) {
      TriggerInfo& trigger = t->triggers.write()[std::string(ast::str(n, "trigname"))];
      trigger.function = ctx.qualify_names(ast::strings(ast::list(n, "funcname")));
      trigger.events = static_cast<int>(ast::num(n, "events"));
      trigger.row = ast::flag(n, "row");
    }
  } else if (stmt.tag == StmtKind::CallStmt || stmt.tag == StmtKind::ExecuteStmt) {
    unseen_code_ran_ = true;
  } else if (stmt.tag == StmtKind::CreateStmt) {
    create_table(n, ctx);
  } else if (stmt.tag == StmtKind::CreateTableAsStmt) {
    const Json* into = ast::field(n, "into");
    const Json* rel = into ? ast::field(*into, "rel") : nullptr;
    if (!rel) return;
    QualifiedName name = ctx.qualify_range_var(*rel);
    if (ast::flag(n, "if_not_exists") && relation_exists(name)) return;
    if (ast::str(n, "objtype") == "OBJECT_MATVIEW") {
      create_view(name, *ast::field(n, "query"), true, ctx);
      if (ast::flag(*into, "skipData")) views_.find_for_write(name)->populated = false;
    } else tables_.put(name, {}).columns_known = false;
  } else if (stmt.tag == StmtKind::SelectStmt) {
    // Once set, the flag stays set (the history carries it): no need to read the calls again.
    if (!unseen_code_ran_)
      ast::walk(n, [&](std::string_view kind, const Json& fields) {
        if (kind != "FuncCall") return;
        auto names = ast::strings(ast::list(fields, "funcname"));
        if (!names.empty() && !is_builtin_function(names.back())) unseen_code_ran_ = true;
      });
    // SELECT ... INTO new_table creates a table, like CREATE TABLE AS.
    const Json* into = ast::field(n, "intoClause");
    const Json* rel = into ? ast::field(*into, "rel") : nullptr;
    if (rel) tables_.put(ctx.qualify_range_var(*rel), {}).columns_known = false;
  } else if (stmt.tag == StmtKind::RefreshMatViewStmt) {
    const Json* rel = ast::field(n, "relation");
    if (ViewInfo* v = rel ? views_.find_for_write(ctx.qualify_range_var(*rel)) : nullptr) v->populated = !ast::flag(n, "skipData");
  } else if (stmt.tag == StmtKind::ViewStmt) {
    if (const Json* query = ast::field(n, "query")) create_view(ctx.qualify_range_var(*ast::field(n, "view")), *query, false, ctx);
  } else if (stmt.tag == StmtKind::IndexStmt) {
    create_index(n, ctx);
  } else if (stmt.tag == StmtKind::CreateSeqStmt) {
    QualifiedName name = ctx.qualify_range_var(*ast::field(n, "sequence"));
    if (!(ast::flag(n, "if_not_exists") && relation_exists(name))) sequences_.put(name, {});
  } else if (stmt.tag == StmtKind::AlterSeqStmt) {
    // OWNED BY table.column ties the sequence's life to the column.
    QualifiedName name = ctx.qualify_range_var(*ast::field(n, "sequence"));
    for (const Json& o : ast::list(n, "options")) {
      auto d = ast::as<"DefElem">(o);
      const Json* arg = d && ast::str(*d, "defname") == "owned_by" ? ast::field(*d, "arg") : nullptr;
      auto owner_list = arg ? ast::as<"List">(*arg) : nullptr;
      if (!owner_list || !sequences_.find(name)) continue;
      auto owner = ast::strings(ast::list(*owner_list, "items"));
      if (owner.size() >= 2) {
        std::string col = owner.back();
        owner.pop_back();
        set_owner(name, std::pair{ctx.qualify_names(owner), col});
      } else {
        set_owner(name, std::nullopt);  // OWNED BY NONE
      }
    }
  } else if (stmt.tag == StmtKind::CreateEnumStmt) {
    enums_.put(ctx.qualify_names(ast::strings(ast::list(n, "typeName"))), EnumInfo{ast::strings(ast::list(n, "vals"))});
  } else if (stmt.tag == StmtKind::AlterEnumStmt) {
    EnumInfo* e = enums_.find_for_write(ctx.qualify_names(ast::strings(ast::list(n, "typeName"))));
    if (!e) return;
    std::string value(ast::str(n, "newVal")), old(ast::str(n, "oldVal")), neighbor(ast::str(n, "newValNeighbor"));
    if (!old.empty()) {
      std::replace(e->values.begin(), e->values.end(), old, value);
    } else if (std::find(e->values.begin(), e->values.end(), value) == e->values.end()) {
      auto at = std::find(e->values.begin(), e->values.end(), neighbor);
      if (at == e->values.end()) e->values.push_back(value);
      else e->values.insert(ast::flag(n, "newValIsAfter") ? at + 1 : at, value);
    }
  } else if (stmt.tag == StmtKind::AlterTableStmt) {
    alter_table(n, ctx);
  } else if (stmt.tag == StmtKind::DropStmt) {
    drop(n, ctx);
  } else if (stmt.tag == StmtKind::RenameStmt) {
    rename(n, ctx);
  } else if (stmt.kind == kUnparsedKind && stmt.reading && ctx.pg_version() > grammar_version()) {
    apply_unparsed(*stmt.reading, ctx);
  }
}

}  // namespace migrasafe
