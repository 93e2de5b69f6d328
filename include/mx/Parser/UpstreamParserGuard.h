//===- UpstreamParserGuard.h - Text the upstream parser crashes on -*- C++
//-*-===//
//
// Debian's MLIR 22 crashes, instead of reporting an error, when the custom
// syntax of linalg.transpose, linalg.broadcast or linalg.reduce carries a
// `permutation =` or `dimensions =` that is not a list of 64-bit integers
// (DenseI64ArrayAttr::parse fails, and the op's parser stores the null
// attribute it returns). Upstream's parser has the same code. mx-opt, the C
// API's parse and the IR fuzzer look for such text first and report it as
// an error (docs/Reliability.md).
//
//===----------------------------------------------------------------------===//

#ifndef MX_PARSER_UPSTREAMPARSERGUARD_H
#define MX_PARSER_UPSTREAMPARSERGUARD_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"

#include <optional>

namespace mlir::mx {

/// The offset in `text` of the first `permutation =` or `dimensions =` in
/// the custom syntax of those linalg ops whose value is not a well-formed
/// list of 64-bit integers, if any. Comments and strings are skipped; the
/// generic form (an attribute dictionary) is left to the parser, which
/// reports its errors.
std::optional<size_t> findUpstreamParserCrash(llvm::StringRef text);

/// The message for such text.
llvm::StringRef upstreamParserCrashMessage();

/// Reports the first such text of `buffer` as an error at its location
/// through `sourceMgr` (which holds `buffer`); fails if there is one.
LogicalResult rejectUpstreamParserCrash(llvm::SourceMgr &sourceMgr,
                                        unsigned bufferId);

/// The same for a string parsed in `context`: an error at
/// `sourceName:line:column`.
LogicalResult rejectUpstreamParserCrash(MLIRContext *context,
                                        llvm::StringRef text,
                                        llvm::StringRef sourceName);

} // namespace mlir::mx

#endif // MX_PARSER_UPSTREAMPARSERGUARD_H
