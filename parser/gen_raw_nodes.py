#!/usr/bin/env python3
"""Generates the C++ that turns PostgreSQL's raw parse nodes into migrasafe's
parse tree (parser/raw_tree.cpp includes it), from the node struct and enum
definitions in PostgreSQL 15's installed server headers.

For every node struct that has a NodeTag it emits one `case` of
RawTreeBuilder::add_fields, which adds the node's fields in declaration
order, each the way libpg_query's JSON output shows it (the tree rules read):
  zero ints and chars, false bools, NULL strings, nodes and lists: omitted;
  enums: always, as their enumerator's name;
  a field typed `Node *` (any node): {"NodeName": {fields}};
  a field typed `SomeNode *`: that node's {fields} without its name;
  `List *`: an array of named nodes.
Node structs with a field of a type this script does not know (Datum,
Bitmapset, ...) never occur in raw parse trees; their case throws, so a tree
that had one would fail loudly (and the differential test would show it).

Enum values follow libpg_query's own copy of the headers where it differs
(see apply_library_order), read from its installed pg_query.proto.

It also writes the names the rules may read (parser/ast.h checks every node
and field name against them when it compiles): the node and field names of
those headers, of plpgsql.h (libpg_query's JSON form of PL/pgSQL bodies is
named after its structs; the differential test of parser/plpgsql_body.cpp
reads it) and of the hand-written nodes.

Usage: gen_raw_nodes.py SERVER_INCLUDE_DIR PG_QUERY_PROTO OUTPUT_FILE NAMES_FILE
"""
import re
import sys

HEADERS = ["nodes/nodes.h", "nodes/lockoptions.h", "nodes/value.h", "nodes/primnodes.h", "nodes/parsenodes.h"]
# Node structs written by hand in raw_parse.cpp.
HAND_WRITTEN = {"A_Const", "Boolean", "List"}
# The fields of the hand-written nodes: A_Const's value members, a Boolean's value, a list's elements.
HAND_WRITTEN_NODE_FIELDS = {"A_Const": {"ival", "fval", "boolval", "sval", "bsval", "isnull", "location"},
                            "Boolean": {"boolval"}, "List": {"items"}, "IntList": {"items"}, "OidList": {"items"}}
# Node names raw_parse.cpp gives lists of integers and OIDs.
LIST_NODE_NAMES = {"IntList", "OidList"}
INT_TYPES = {"int", "int16", "int32", "uint32", "Oid", "Index", "AttrNumber", "bits32", "long", "SubTransactionId"}
GENERIC_NODE_TYPES = {"Node", "Expr"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def read(include_dir):
    text = ""
    for h in HEADERS:
        with open(f"{include_dir}/{h}", encoding="utf-8") as f:
            text += strip_comments(f.read()) + "\n"
    # Preprocessor lines (#define, #ifdef ...) carry no struct or enum members here.
    return re.sub(r"^\s*#.*(?:\\\n.*)*$", " ", text, flags=re.M)


def parse_enums(text):
    """{enum name: [(enumerator, value)]} with values evaluated as C would, and
    the names of the enums whose values are all implicit."""
    enums, implicit = {}, set()
    for m in re.finditer(r"typedef\s+enum\s+\w*\s*\{(.*?)\}\s*(\w+)\s*;", text, flags=re.S):
        body, name = m.group(1), m.group(2)
        try:
            members = enum_members(body)
        except KeyError:
            members = None  # a value built from macros: such an enum is not in raw parse trees
        if members is not None and "=" not in body:
            implicit.add(name)
        enums[name] = members
    return enums, implicit


def apply_library_order(enums, implicit, proto_path):
    """libpg_query builds with its own copy of PostgreSQL's headers, which
    reorders some enums (LimitOption starts with LIMIT_OPTION_DEFAULT, its
    protobuf default). Its pg_query.proto numbers each enum's enumerators in
    that copy's order, from 1: an enum with implicit values takes its values
    from there. Enums with explicit values keep the server headers' values,
    which the proto cannot show; their names must still agree."""
    with open(proto_path, encoding="utf-8") as f:
        proto = f.read()
    for m in re.finditer(r"\benum\s+(\w+)\s*\{(.*?)\}", proto, flags=re.S):
        name = m.group(1)
        if enums.get(name) is None:
            continue
        order = [(n, int(v) - 1) for n, v in re.findall(r"(\w+)\s*=\s*(\d+)\s*;", m.group(2)) if int(v) > 0]
        if name in implicit:
            enums[name] = order
        else:
            names = {n for n, _ in enums[name]}
            if not {n for n, _ in order} <= names:
                raise SystemExit(f"gen_raw_nodes: enum {name} differs between the server headers and {proto_path}")


def enum_members(body):
    """[(enumerator, value)]; KeyError when a value names something outside the enum."""
    known, members, next_value = {}, [], 0
    for item in (i.strip() for i in body.split(",")):
        if not item:
            continue
        if "=" in item:
            ident, expr = (s.strip() for s in item.split("=", 1))
            expr = re.sub(r"'(\\?.)'", lambda c: str(ord(c.group(1)[-1])), expr)
            expr = re.sub(r"\b[A-Za-z_]\w*\b", lambda w: str(known[w.group(0)]), expr)
            value = int(eval(expr, {"__builtins__": {}}))  # integer constant expression
        else:
            ident, value = item, next_value
        known[ident] = value
        members.append((ident, value))
        next_value = value + 1
    return members


def parse_structs(text):
    """{struct name: [(type, pointer depth, field name)]}, None for a struct with a union inside."""
    structs = {}
    for m in re.finditer(r"(typedef\s+)?struct\s+(\w*)\s*\{", text):
        start, depth, i = m.end(), 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[start:i - 1]
        name = re.match(r"\s*(\w+)\s*;", text[i:]).group(1) if m.group(1) else m.group(2)
        if "{" in body:
            structs[name] = None
            continue
        fields = []
        for decl in (d.strip() for d in body.split(";")):
            if not decl:
                continue
            decl = re.sub(r"\bstruct\s+", "", decl)
            dm = re.match(r"(?:const\s+)?(\w+)\s*(.*)$", decl, flags=re.S)
            base, declarators = dm.group(1), dm.group(2)
            for d in declarators.split(","):
                d = d.strip()
                stars = len(d) - len(d.lstrip("*"))
                fname = d.lstrip("*").strip()
                if not re.fullmatch(r"\w+", fname):
                    raise SystemExit(f"gen_raw_nodes: cannot read field `{decl}` of {name}")
                fields.append((base, stars, fname))
        structs[name] = fields
    return structs


def node_tags(text):
    m = re.search(r"typedef\s+enum\s+NodeTag\s*\{(.*?)\}\s*NodeTag\s*;", text, flags=re.S)
    return [t.split("=")[0].strip()[2:] for t in m.group(1).split(",") if t.strip().startswith("T_")]


def field_code(ftype, stars, fname, enums, structs, tags):
    """The statement adding one field, "" for none, None when its type is unknown."""
    ref = f"x.{fname}"
    key = f'"{fname}"'
    node_struct = ftype in tags and structs.get(ftype) is not None
    if stars == 0:
        if fname == "type" and ftype == "NodeTag":
            return ""
        if ftype == "Expr" and fname == "xpr":
            return ""  # the expression node's header: nothing of its own
        if ftype == "bool":
            return f"b.add_bool({key}, {ref});"
        if ftype == "char":
            return f"b.add_char({key}, {ref});"
        if ftype in INT_TYPES:
            return f"b.add_int({key}, static_cast<long>({ref}));"
        if enums.get(ftype):
            return f"b.add_enum({key}, enum_name_{ftype}({ref}));"
        if node_struct:
            return f"b.add_struct({key}, &{ref});"  # embedded: always written
        return None
    if stars == 1:
        if ftype == "char":
            return f"b.add_string({key}, {ref});"
        if ftype == "List":
            return f"b.add_list({key}, {ref});"
        if ftype in GENERIC_NODE_TYPES:
            return f"b.add_node({key}, reinterpret_cast<const Node*>({ref}));"
        if node_struct:
            return f"b.add_struct({key}, {ref});"
    return None


def generate(include_dir, proto_path):
    text = read(include_dir)
    enums, implicit = parse_enums(text)
    apply_library_order(enums, implicit, proto_path)
    structs = parse_structs(text)
    tags = node_tags(text)
    tag_set = set(tags)
    nodes = [t for t in tags if structs.get(t) is not None and t not in HAND_WRITTEN]
    bodies, used_enums = {}, set()
    for name in nodes:
        body, enums_read = [], set()
        for ftype, stars, fname in structs[name]:
            code = field_code(ftype, stars, fname, enums, structs, tag_set)
            if code is None:
                body, enums_read = [f'b.unsupported("{name}", "{ftype}{"*" * stars} {fname}");'], set()
                break
            if code:
                body.append(code)
            if code and stars == 0 and ftype in enums:
                enums_read.add(ftype)
        bodies[name] = body
        used_enums |= enums_read

    out = ["// Generated by parser/gen_raw_nodes.py from PostgreSQL's server headers. Do not edit.", ""]
    for e in sorted(used_enums):
        out += [f"std::string_view enum_name_{e}(int v) {{", "  switch (v) {"]
        seen = set()
        for ident, value in enums[e]:
            if value not in seen:  # a later alias of a value: C names the first
                seen.add(value)
                out.append(f'    case {value}: return "{ident}";')
        out += ["  }", '  return "";', "}", ""]

    out += ["constexpr std::string_view node_name(NodeTag tag) {", "  switch (tag) {"]
    out += [f'    case T_{name}: return "{name}";' for name in tags if name in structs or name in HAND_WRITTEN]
    out += [f'    case T_{name}: return "{name}";' for name in sorted(LIST_NODE_NAMES)]
    out += ["    default: return {};", "  }", "}", ""]

    out += [f"void add_fields(RawTreeBuilder& b, const {name}& x);" for name in nodes]
    out.append("")
    for name in nodes:
        out.append(f"void add_fields([[maybe_unused]] RawTreeBuilder& b, [[maybe_unused]] const {name}& x) {{")
        out += [f"  {line}" for line in bodies[name]]
        out += ["}", ""]

    out += ["// The fields of any generated node type.", "void add_generated_fields(RawTreeBuilder& b, const Node* n) {",
            "  switch (nodeTag(n)) {"]
    out += [f"    case T_{name}: return add_fields(b, *reinterpret_cast<const {name}*>(n));" for name in nodes]
    out += ['    default: b.unsupported("node tag", std::to_string(static_cast<int>(nodeTag(n))));', "  }", "}"]
    return "\n".join(out) + "\n"


def struct_member_names(text):
    """{struct name: {member names}} of every struct in `text`, read leniently
    (arrays, function pointers, nested unions): only the names are needed."""
    names = {}
    for m in re.finditer(r"(typedef\s+)?struct\s+(\w*)\s*\{", text):
        start, depth, i = m.end(), 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        name = re.match(r"\s*(\w+)\s*;", text[i:]).group(1) if m.group(1) else m.group(2)
        body = re.sub(r"\{[^{}]*\}", " ", text[start:i - 1])  # a nested union's members are not fields
        members = set()
        for decl in (d.strip() for d in body.split(";")):
            for d in decl.split(","):
                d = re.sub(r"\[[^\]]*\]", "", d)  # name[N]
                pointer = re.search(r"\(\s*\*\s*(\w+)\s*\)", d)  # (*name)(args)
                ident = pointer or re.search(r"(\w+)\s*$", d)
                if ident:
                    members.add(ident.group(1))
        names[name] = members
    return names


def generate_names(include_dir):
    """Two sorted C++ arrays: the node names and the field names rules may read."""
    text = read(include_dir)
    structs = parse_structs(text)
    node_names = {t for t in node_tags(text) if structs.get(t) is not None or t in HAND_WRITTEN} | LIST_NODE_NAMES
    # Each node's own fields; the node header (NodeTag type, Expr xpr) is never a field of the tree.
    fields_of = {name: set(HAND_WRITTEN_NODE_FIELDS.get(name, ())) for name in node_names}
    for name in node_names:
        fields_of[name] |= {fname for ftype, stars, fname in structs.get(name) or []
                            if stars or ftype not in ("NodeTag", "Expr")}
    with open(f"{include_dir}/plpgsql.h", encoding="utf-8") as f:
        plpgsql = re.sub(r"^\s*#.*(?:\\\n.*)*$", " ", strip_comments(f.read()), flags=re.M)
    for name, members in struct_member_names(plpgsql).items():
        if name.startswith("PLpgSQL_"):
            node_names.add(name)
            fields_of[name] = set(members)
    field_names = set().union(*fields_of.values())

    def table(array, names):
        return [f"inline constexpr std::string_view {array}[] = {{"] + [f'    "{n}",' for n in sorted(names)] + ["};", ""]
    out = ["// Generated by parser/gen_raw_nodes.py from PostgreSQL's server headers. Do not edit.",
           "// The node names and the field names of PostgreSQL 15's parse nodes, sorted (parser/ast.h).", ""]
    out += table("kParseNodeNames", node_names) + table("kParseFieldNames", field_names)
    # Each node's fields, for the per-node check of ast::Fields<"Node">.
    for name in sorted(node_names):
        if fields_of[name]:
            out += table(f"kFieldsOf_{name}", fields_of[name])
    out += ["struct NodeFieldList {", "  std::string_view node;", "  const std::string_view* begin;",
            "  const std::string_view* end;", "};", "inline constexpr NodeFieldList kNodeFieldLists[] = {"]
    for name in sorted(node_names):
        span = f"std::begin(kFieldsOf_{name}), std::end(kFieldsOf_{name})" if fields_of[name] else "nullptr, nullptr"
        out.append(f'    {{"{name}", {span}}},')
    out += ["};", ""]
    return "\n".join(out)


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return  # unchanged: keep the timestamp, no rebuild
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    if len(sys.argv) != 5:
        raise SystemExit("usage: gen_raw_nodes.py SERVER_INCLUDE_DIR PG_QUERY_PROTO OUTPUT_FILE NAMES_FILE")
    write_if_changed(sys.argv[3], generate(sys.argv[1], sys.argv[2]))
    write_if_changed(sys.argv[4], generate_names(sys.argv[1]))


if __name__ == "__main__":
    main()
