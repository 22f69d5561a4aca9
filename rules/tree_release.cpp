#include "rules/tree_release.h"

#include <algorithm>

namespace migrasafe {

bool read_by_other_statements(StmtKind kind) {
  switch (kind) {
    case StmtKind::TransactionStmt:      // transaction_statements, transaction-nesting, uncommitted-transaction, non-idempotent-ddl
    case StmtKind::RenameStmt:           // dropped_later_in_transaction, emptied_later_in_transaction, column_swapped_in_transaction, rename-table
    case StmtKind::DropStmt:             // dropped_later_in_transaction, concurrent-index-retry
    case StmtKind::TruncateStmt:         // emptied_later_in_transaction
    case StmtKind::DeleteStmt:           // emptied_later_in_transaction, backfill-in-schema-transaction
    case StmtKind::CreateDomainStmt:     // alter-domain-add-constraint
    case StmtKind::ViewStmt:             // breaks-dependent-view, rename-table
    case StmtKind::CreateTableAsStmt:    // breaks-dependent-view
    case StmtKind::CreateExtensionStmt:  // missing-down-script
      return true;
    default:
      return false;
  }
}

template <class F>
void TreeRelease::for_each_tree(Statement& s, F&& f) {
  f(s.node);
  if (BodyParts* parts = s.body_parts_if_any()) {
    for (Json& e : parts->expressions) f(e);
    if (parts->loop_rows) f(*parts->loop_rows);
  }
}

TreeRelease::TreeRelease(ParsedFile& file, bool keep_read_trees, std::size_t min_tree_bytes)
    : file_(file), keep_read_trees_(keep_read_trees) {
  std::size_t tree_bytes = 0;
  for (std::size_t d = 0; d < file.trees.size(); ++d)
    if (file.trees[d])
      file.trees[d]->arena().for_each_block([&](const char* begin, std::size_t size) {
        blocks_.push_back({begin, begin + size, d});
        tree_bytes += size;
      });
  // Small trees go with the file's results soon enough; releasing them early
  // would cost more (the copies of what other statements read) than it saves.
  if (tree_bytes < min_tree_bytes) {
    enabled_ = false;
    return;
  }
  std::sort(blocks_.begin(), blocks_.end(), [](const Block& a, const Block& b) { return a.begin < b.begin; });
  users_.assign(file.trees.size(), 0);
  for (Statement& s : file.statements)
    for_each_tree(s, [&](const Json& tree) {
      if (!tree.storage()) return;  // null, or no storage of its own
      std::size_t d = document_of(tree);
      if (d == kNoDocument) enabled_ = false;
      else ++users_[d];
    });
}

std::size_t TreeRelease::document_of(const Json& node) const {
  const char* p = static_cast<const char*>(node.storage());
  auto after = std::upper_bound(blocks_.begin(), blocks_.end(), p, [](const char* q, const Block& b) { return q < b.begin; });
  if (after == blocks_.begin()) return kNoDocument;
  const Block& b = *(after - 1);
  return p < b.end ? b.document : kNoDocument;
}

void TreeRelease::release(std::size_t first, std::size_t end) {
  if (!enabled_) return;
  for (std::size_t i = first; i < end && i < file_.statements.size(); ++i) {
    Statement& s = file_.statements[i];
    std::vector<std::size_t>& documents = documents_scratch_;
    documents.clear();
    for_each_tree(s, [&](const Json& tree) {
      if (tree.storage()) documents.push_back(document_of(tree));
    });
    if (keep_read_trees_ && read_by_other_statements(s.tag)) {
      if (!kept_) {
        kept_ = std::make_shared<JsonDocument>();
        file_.trees.push_back(kept_);  // owned with the file's other trees
      }
      for_each_tree(s, [&](Json& tree) { tree = kept_->copy(tree); });
    } else {
      s.node = Json{};
      s.release_body_trees();
    }
    for (std::size_t d : documents)
      if (--users_[d] == 0) {
        file_.trees[d].reset();
        ++freed_;
      }
  }
}

}  // namespace migrasafe
