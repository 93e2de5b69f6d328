//===- UpstreamParserGuard.cpp - Text the upstream parser crashes on ------===//

#include "mx/Parser/UpstreamParserGuard.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/StringExtras.h"

#include <cstdint>

using namespace mlir;
using llvm::StringRef;

namespace {

/// `text` after blanks and `//` comments, which the lexer skips too.
StringRef skipBlanks(StringRef text) {
  while (true) {
    text = text.ltrim();
    if (!text.starts_with("//"))
      return text;
    size_t end = text.find('\n');
    text = end == StringRef::npos ? StringRef() : text.drop_front(end + 1);
  }
}

/// Consumes an integer literal that fits an int64_t, as the lexer and
/// parseInteger read it: an optional `-`, then decimal digits or `0x` and
/// hexadecimal ones.
bool consumeInt64(StringRef &text) {
  bool negative = text.consume_front("-");
  bool hex =
      text.size() > 2 && text.starts_with("0x") && llvm::isHexDigit(text[2]);
  StringRef rest = hex ? text.drop_front(2) : text;
  StringRef digits =
      hex ? rest.take_while(llvm::isHexDigit) : rest.take_while(llvm::isDigit);
  uint64_t magnitude;
  if (digits.empty() || digits.getAsInteger(hex ? 16 : 10, magnitude))
    return false; // no digits, or past 64 bits
  if (magnitude > uint64_t(INT64_MAX) + (negative ? 1 : 0))
    return false;
  text = rest.drop_front(digits.size());
  return true;
}

/// Whether `text` starts with `[` integers separated by commas `]`.
bool startsWithIntegerList(StringRef text) {
  if (!text.consume_front("["))
    return false;
  text = skipBlanks(text);
  if (text.consume_front("]"))
    return true;
  while (true) {
    if (!consumeInt64(text))
      return false;
    text = skipBlanks(text);
    if (text.consume_front("]"))
      return true;
    if (!text.consume_front(","))
      return false;
    text = skipBlanks(text);
  }
}

bool isIdentifierChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$';
}

} // namespace

std::optional<size_t> mlir::mx::findUpstreamParserCrash(StringRef text) {
  if (!text.contains("linalg.transpose") &&
      !text.contains("linalg.broadcast") && !text.contains("linalg.reduce"))
    return std::nullopt;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '/' && text.drop_front(i).starts_with("//")) {
      size_t end = text.find('\n', i);
      i = end == StringRef::npos ? text.size() : end + 1;
      continue;
    }
    if (c == '"') { // a string literal, escapes included
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      ++i;
      continue;
    }
    if (!isIdentifierChar(c)) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && isIdentifierChar(text[i]))
      ++i;
    StringRef word = text.slice(start, i);
    if (word != "permutation" && word != "dimensions")
      continue;
    // The custom syntax puts the keyword right after `outs(...)`; in an
    // attribute dictionary it follows `{` or `,`, and the generic attribute
    // parser reports a malformed value.
    StringRef before = text.take_front(start).rtrim();
    if (!before.ends_with(")"))
      continue;
    StringRef after = skipBlanks(text.drop_front(i));
    if (!after.consume_front("="))
      continue; // the op's parser reports the missing `=`
    if (!startsWithIntegerList(skipBlanks(after)))
      return start;
  }
  return std::nullopt;
}

StringRef mlir::mx::upstreamParserCrashMessage() {
  return "expected a list of 64-bit integers: the custom syntax of "
         "linalg.transpose, linalg.broadcast and linalg.reduce takes "
         "`permutation = [...]` / `dimensions = [...]` (MLIR 22's parser "
         "would crash on this text, so it is rejected before parsing)";
}

LogicalResult mlir::mx::rejectUpstreamParserCrash(llvm::SourceMgr &sourceMgr,
                                                  unsigned bufferId) {
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(bufferId);
  std::optional<size_t> offset = findUpstreamParserCrash(buffer->getBuffer());
  if (!offset)
    return success();
  sourceMgr.PrintMessage(
      llvm::SMLoc::getFromPointer(buffer->getBufferStart() + *offset),
      llvm::SourceMgr::DK_Error, upstreamParserCrashMessage());
  return failure();
}

LogicalResult mlir::mx::rejectUpstreamParserCrash(MLIRContext *context,
                                                  StringRef text,
                                                  StringRef sourceName) {
  std::optional<size_t> offset = findUpstreamParserCrash(text);
  if (!offset)
    return success();
  StringRef before = text.take_front(*offset);
  unsigned line = 1 + before.count('\n');
  size_t lineStart = before.rfind('\n');
  unsigned column =
      1 + unsigned(lineStart == StringRef::npos ? *offset
                                                : *offset - lineStart - 1);
  emitError(FileLineColLoc::get(context, sourceName, line, column))
      << upstreamParserCrashMessage();
  return failure();
}
