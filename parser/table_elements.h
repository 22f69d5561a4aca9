#pragma once
// The parts of CREATE TABLE and ALTER TABLE that the model, the effects and
// the rules walk, each read in one place: the columns and constraints a
// CREATE TABLE lists, the subcommands of an ALTER TABLE, and the columns and
// constraints either one adds. (The facts of one column: parser/column_def.h.)
#include <cstddef>
#include <string_view>

#include "parser/ast.h"

namespace migrasafe {

// One element of a CREATE TABLE's list: a column, a table constraint, or
// something else (LIKE, ...: `node` only).
struct TableElement {
  const Json* node = nullptr;        // the element as listed: {"Kind": {fields}}
  const Json* column = nullptr;      // a ColumnDef's fields
  const Json* constraint = nullptr;  // a Constraint's fields

  static TableElement of(const Json& node) {
    return {&node, ast::as<"ColumnDef">(node), ast::as<"Constraint">(node)};
  }
};

// One subcommand of an ALTER TABLE.
struct AlterTableCommand {
  int index = 0;                     // its position in the statement (rules::alter_command_span)
  const Json* fields = nullptr;      // the AlterTableCmd's fields
  std::string_view subtype;          // "AT_AddColumn", "AT_DropConstraint", ...
  std::string_view name;             // the column or constraint it names, if any
  const Json* def = nullptr;         // its definition as listed ({"Kind": {fields}}), if any
  const Json* column = nullptr;      // the definition's fields when it is a ColumnDef
  const Json* constraint = nullptr;  // the definition's fields when it is a Constraint

  static AlterTableCommand of(const Json& fields, int index) {
    AlterTableCommand c{index, &fields, ast::str(fields, "subtype"), ast::str(fields, "name"), ast::field(fields, "def")};
    if (c.def) {
      c.column = ast::as<"ColumnDef">(*c.def);
      c.constraint = ast::as<"Constraint">(*c.def);
    }
    return c;
  }
};

// The elements of a list field read as Item, in order, skipping those
// Item::read refuses (returns false for).
template <class Item>
class ElementRange {
 public:
  explicit ElementRange(const Json& list) : list_(list) {}

  class iterator {
   public:
    iterator(const Json& list, std::size_t i) : list_(&list), i_(i) { settle(); }
    const Item& operator*() const { return item_; }
    const Item* operator->() const { return &item_; }
    iterator& operator++() {
      ++i_;
      settle();
      return *this;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    void settle() {
      while (i_ < list_->size() && !Item::read((*list_)[i_], static_cast<int>(i_), item_)) ++i_;
    }
    const Json* list_;
    std::size_t i_;
    Item item_{};
  };

  iterator begin() const { return iterator(list_, 0); }
  iterator end() const { return iterator(list_, list_.size()); }

 private:
  const Json& list_;
};

namespace table_detail {
struct AnyElement : TableElement {
  static bool read(const Json& node, int, AnyElement& out) {
    static_cast<TableElement&>(out) = TableElement::of(node);
    return true;
  }
};
struct Command : AlterTableCommand {
  static bool read(const Json& node, int index, Command& out) {
    auto fields = ast::as<"AlterTableCmd">(node);
    if (fields) static_cast<AlterTableCommand&>(out) = AlterTableCommand::of(*fields, index);
    return fields != nullptr;
  }
};
// What a CREATE TABLE element or an ALTER TABLE subcommand adds: a column or
// a constraint (ADD COLUMN, ADD CONSTRAINT; a CREATE TABLE's LIKE adds neither).
struct Added : TableElement {
  static bool read(const Json& node, int, Added& out) {
    const Json* node_added = &node;
    if (auto cmd = ast::as<"AlterTableCmd">(node)) {
      std::string_view sub = ast::str(*cmd, "subtype");
      node_added = sub == "AT_AddColumn" || sub == "AT_AddConstraint" ? ast::field(*cmd, "def") : nullptr;
    }
    if (!node_added) return false;
    static_cast<TableElement&>(out) = TableElement::of(*node_added);
    return out.column || out.constraint;
  }
};
}  // namespace table_detail

// The elements of a CREATE TABLE (or of CREATE FOREIGN TABLE's `base`), in order.
inline ElementRange<table_detail::AnyElement> table_elements(const Json& create_stmt) {
  return ElementRange<table_detail::AnyElement>(ast::list(create_stmt, "tableElts"));
}

// The subcommands of an ALTER TABLE, in order.
inline ElementRange<table_detail::Command> alter_table_commands(const Json& alter_table_stmt) {
  return ElementRange<table_detail::Command>(ast::list(alter_table_stmt, "cmds"));
}

// The columns and constraints a CREATE TABLE lists or an ALTER TABLE adds
// (ADD COLUMN, ADD CONSTRAINT), in order: either statement's node.
inline ElementRange<table_detail::Added> added_table_elements(const Json& create_or_alter) {
  const Json& elements = ast::list(create_or_alter, "tableElts");
  return ElementRange<table_detail::Added>(elements.size() ? elements : ast::list(create_or_alter, "cmds"));
}

// Calls fn(column name, constraint fields) for every constraint an element
// holds: a column's own constraints with the column's name, a table
// constraint with an empty name.
template <class Fn>
void for_each_constraint(const TableElement& element, Fn fn) {
  if (element.column) {
    std::string_view column = ast::str(*element.column, "colname");
    for (const Json& c : ast::list(*element.column, "constraints"))
      if (auto con = ast::as<"Constraint">(c)) fn(column, *con);
  } else if (element.constraint) {
    fn(std::string_view(), *element.constraint);
  }
}

}  // namespace migrasafe
