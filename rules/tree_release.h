#pragma once
// Frees a file's parse trees while its replay goes on, instead of when its
// last statement has been analysed: a large file's trees are most of the
// memory a run holds (README, "Where the memory goes").
//
// A statement's tree is read by its own effects and rules, by those of the
// statements in its body, and by rules of other statements only for the
// few statement kinds in `read_by_other_statements`. Everything else rules
// need from other statements comes from summaries built before the replay
// (StatementIndex and the rules' own, see RuleHooks::summarise). So once a
// top-level statement and its body have been replayed, their trees can go:
// those of the kinds other statements read are first copied into a small
// document of their own, the rest are set to null. The trees of a parse
// live in one document (a run of statements, or one PL/pgSQL body), which is
// freed when the last statement in it has been released. A file whose trees
// are small (most migrations) keeps them until its results are trimmed.
#include <cstddef>
#include <memory>
#include <vector>

#include "parser/parse.h"

namespace migrasafe {

// The statement kinds whose trees rules read from other statements (the
// readers are named in tree_release.cpp).
bool read_by_other_statements(StmtKind kind);

class TreeRelease {
 public:
  // `keep_read_trees`: copy the trees other statements read (false when no
  // rule runs on the file, as for a schema dump).
  // Nothing is freed early when the file's trees take less than
  // `min_tree_bytes`.
  static constexpr std::size_t kLargeTreeBytes = 1 << 20;
  TreeRelease(ParsedFile& file, bool keep_read_trees, std::size_t min_tree_bytes = kLargeTreeBytes);
  // Statements [first, end) and their bodies have been replayed and their rules run.
  void release(std::size_t first, std::size_t end);
  // Documents freed so far (tests).
  std::size_t documents_freed() const { return freed_; }

 private:
  static constexpr std::size_t kNoDocument = static_cast<std::size_t>(-1);
  std::size_t document_of(const Json& node) const;
  template <class F>
  void for_each_tree(Statement& s, F&& f);

  ParsedFile& file_;
  const bool keep_read_trees_;
  bool enabled_ = true;  // false when a tree is in no known document: then nothing is freed early
  struct Block {
    const char* begin;
    const char* end;
    std::size_t document;
  };
  std::vector<Block> blocks_;         // of every document, by address
  std::vector<std::size_t> users_;    // per document: statement trees in it not yet released
  std::shared_ptr<JsonDocument> kept_;  // copies of the trees other statements read (in file.trees too)
  std::size_t freed_ = 0;
  std::vector<std::size_t> documents_scratch_;  // release's, kept so that each statement does not allocate
};

}  // namespace migrasafe
