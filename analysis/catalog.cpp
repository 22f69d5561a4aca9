#include "analysis/catalog.h"

#include "analysis/ast.h"
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

std::optional<ColumnType> column_type(const Json& tn) {
  auto names = ast::strings(ast::list(tn, "names"));
  if (names.empty()) return std::nullopt;
  ColumnType t;
  if (names.size() >= 2 && names[names.size() - 2] != "pg_catalog") t.name = names[names.size() - 2] + ".";
  t.name += names.back();
  // serial types are integers with a sequence default.
  if (t.name == "serial" || t.name == "serial4") t.name = "int4";
  else if (t.name == "bigserial" || t.name == "serial8") t.name = "int8";
  else if (t.name == "smallserial" || t.name == "serial2") t.name = "int2";
  else if (t.name == "int" || t.name == "integer") t.name = "int4";
  else if (t.name == "bigint") t.name = "int8";
  else if (t.name == "smallint") t.name = "int2";
  for (const Json& m : ast::list(tn, "typmods")) {
    const Json* c = ast::as(m, "A_Const");
    const Json* iv = c ? ast::field(*c, "ival") : nullptr;
    if (!iv) return std::nullopt;  // a modifier we cannot read
    t.typmods.push_back(ast::num(*iv, "ival"));
  }
  t.array = ast::list(tn, "arrayBounds").size() > 0;
  return t;
}

const TableInfo* Catalog::table(const QualifiedName& name) const {
  const Tables& shard = *shards_[shard_of(name)];
  auto it = shard.find(name);
  return it == shard.end() ? nullptr : it->second.get();
}

std::size_t Catalog::shard_of(const QualifiedName& name) {
  return std::hash<std::string>{}(name.name) % kShards;
}

std::array<std::shared_ptr<Catalog::Tables>, Catalog::kShards> Catalog::make_shards() {
  std::array<std::shared_ptr<Tables>, kShards> shards;
  for (auto& s : shards) s = std::make_shared<Tables>();
  return shards;
}

Catalog::Tables& Catalog::tables_for_write(const QualifiedName& name) {
  auto& shard = shards_[shard_of(name)];
  if (shard.use_count() > 1) shard = std::make_shared<Tables>(*shard);
  return *shard;
}

Constraints& Catalog::constraints_for_write(const QualifiedName& table) {
  auto& shard = constraint_shards_[shard_of(table)];
  if (shard.use_count() > 1) shard = std::make_shared<Constraints>(*shard);
  return *shard;
}

std::array<std::shared_ptr<Constraints>, Catalog::kShards> Catalog::make_constraint_shards() {
  std::array<std::shared_ptr<Constraints>, kShards> shards;
  for (auto& s : shards) s = std::make_shared<Constraints>();
  return shards;
}

// `it` must come from tables_for_write(name).
TableInfo& Catalog::table_for_write(Tables::iterator it) {
  if (it->second.use_count() > 1) it->second = std::make_shared<TableInfo>(*it->second);
  return *it->second;
}

const ColumnInfo* Catalog::column(const QualifiedName& t, const std::string& column) const {
  const TableInfo* info = table(t);
  if (!info) return nullptr;
  auto it = info->columns.find(column);
  return it == info->columns.end() ? nullptr : &it->second;
}

namespace {

std::optional<ColumnInfo> column_info(const Json& def) {
  const Json* tn = ast::field(def, "typeName");
  if (!tn) return std::nullopt;
  auto type = column_type(*tn);
  if (!type) return std::nullopt;
  ColumnInfo c{*type, false};
  for (const Json& con : ast::list(def, "constraints")) {
    std::string_view t = con.is_object() && ast::as(con, "Constraint") ? ast::str(*ast::as(con, "Constraint"), "contype") : "";
    if (t == "CONSTR_NOTNULL" || t == "CONSTR_PRIMARY" || t == "CONSTR_IDENTITY") c.not_null = true;
  }
  return c;
}

}  // namespace

void Catalog::create_table(const Json& n, const Context& ctx) {
  QualifiedName name = ctx.qualify_range_var(*ast::field(n, "relation"));
  TableInfo t;
  t.partitioned = ast::field(n, "partspec") != nullptr;
  for (const Json& elt : ast::list(n, "tableElts")) {
    const Json* col = ast::as(elt, "ColumnDef");
    if (!col) continue;
    if (auto info = column_info(*col)) t.columns[std::string(ast::str(*col, "colname"))] = *info;
  }
  tables_for_write(name)[name] = std::make_shared<TableInfo>(std::move(t));  // replaces a dropped and re-created table
}

void Catalog::alter_table(const Json& n, const Context& ctx) {
  const Json* rel = ast::field(n, "relation");
  if (!rel) return;
  QualifiedName name = ctx.qualify_range_var(*rel);
  if (!table(name)) return;  // unknown table: stays unknown
  auto it = tables_for_write(name).find(name);
  TableInfo& t = table_for_write(it);
  for (const Json& c : ast::list(n, "cmds")) {
    const Json* cmd = ast::as(c, "AlterTableCmd");
    if (!cmd) continue;
    std::string_view sub = ast::str(*cmd, "subtype");
    std::string name(ast::str(*cmd, "name"));
    const Json* def = ast::field(*cmd, "def");
    const Json* col = def ? ast::as(*def, "ColumnDef") : nullptr;
    if (sub == "AT_AddColumn" && col) {
      if (auto info = column_info(*col)) t.columns[std::string(ast::str(*col, "colname"))] = *info;
    } else if (sub == "AT_DropColumn") {
      t.columns.erase(name);
    } else if (sub == "AT_AlterColumnType" && col) {
      const Json* tn = ast::field(*col, "typeName");
      auto type = tn ? column_type(*tn) : std::nullopt;
      auto found = t.columns.find(name);
      if (found == t.columns.end()) continue;
      if (type) found->second.type = *type;
      else t.columns.erase(found);  // no longer known
    } else if (sub == "AT_SetNotNull" || sub == "AT_DropNotNull") {
      if (auto found = t.columns.find(name); found != t.columns.end()) found->second.not_null = sub == "AT_SetNotNull";
    }
  }
}

std::optional<Volatility> Catalog::function_volatility(const QualifiedName& name) const {
  auto it = functions_.find(name);
  if (it == functions_.end()) return std::nullopt;
  return it->second;
}

void Catalog::apply(const Statement& stmt, const Context& ctx) {
  const Json& n = stmt.node;
  if (stmt.kind == "CreateFunctionStmt") {
    // VOLATILE unless the definition says otherwise, as in PostgreSQL.
    Volatility v = Volatility::Volatile;
    for (const Json& o : ast::list(n, "options")) {
      const Json* d = ast::as(o, "DefElem");
      const Json* arg = d && ast::str(*d, "defname") == "volatility" ? ast::field(*d, "arg") : nullptr;
      const Json* word = arg ? ast::as(*arg, "String") : nullptr;
      if (!word) continue;
      std::string_view w = ast::str(*word, "sval");
      v = w == "immutable" ? Volatility::Immutable : w == "stable" ? Volatility::Stable : Volatility::Volatile;
    }
    QualifiedName name = ctx.qualify_names(ast::strings(ast::list(n, "funcname")));
    // Overloads that disagree cannot be told apart without argument types.
    auto [it, inserted] = functions_.try_emplace(name, v);
    if (!inserted && it->second != v && !ast::flag(n, "replace")) it->second = Volatility::Unknown;
    else it->second = v;
  } else if (stmt.kind == "CreateStmt") {
    create_table(n, ctx);
  } else if (stmt.kind == "AlterTableStmt") {
    alter_table(n, ctx);
  } else if (stmt.kind == "DropStmt" && ast::str(n, "removeType") == "OBJECT_TABLE") {
    for (const Json& obj : ast::list(n, "objects"))
      if (const Json* items = ast::as(obj, "List")) {
        QualifiedName name = ctx.qualify_names(ast::strings(ast::list(*items, "items")));
        if (table(name)) tables_for_write(name).erase(name);
      }
  } else if (stmt.kind == "RenameStmt") {
    const Json* rel = ast::field(n, "relation");
    if (!rel) return;
    QualifiedName name = ctx.qualify_range_var(*rel);
    std::string_view type = ast::str(n, "renameType");
    std::string to(ast::str(n, "newname"));
    if (!table(name) || (type != "OBJECT_TABLE" && type != "OBJECT_COLUMN")) return;
    Tables& tables = tables_for_write(name);
    auto it = tables.find(name);
    if (type == "OBJECT_TABLE") {
      auto info = it->second;
      tables.erase(it);
      QualifiedName renamed{name.schema, to};
      tables_for_write(renamed)[renamed] = std::move(info);
      return;
    }
    TableInfo& t = table_for_write(it);
    auto col = t.columns.find(std::string(ast::str(n, "subname")));
    if (col == t.columns.end()) return;
    ColumnInfo info = col->second;
    t.columns.erase(col);
    t.columns[to] = info;
  }
}

}  // namespace migrasafe
