//===- ExponentScaling.h - Block scales applied without a multiply -*- C++ -*-//
//
// The packed GEMM's integer block dots S (vpdpbusd, |S| < 2^22) join the
// totals as S * 2^(a + b), a and b the exponents of A's and B's block
// scales. With f32 bits alone: E = the bits of 1.5 * 2^(23 + a + b), whose
// ulp is 2^(a + b); E + S (an integer add) are the bits of 1.5 *
// 2^(23 + a + b) + S * 2^(a + b), exactly; subtracting E's value (an f32
// subtraction, exact) leaves S * 2^(a + b). That is two integer adds and two
// f32 adds per accumulator and K-block instead of a convert and two
// multiplies: the multiply units stay with the dots. It holds when both
// scales are normal f32 and -149 <= a + b <= 104; the kernel checks that
// per tile and K-block from exponent ranges computed once per call, and
// takes the multiplies where it does not hold (NaN scales, the tiny scales
// of all-zero blocks). Both paths give the same bits.
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTOVECTOR_EXPONENTSCALING_H
#define MX_LIB_CONVERSION_MXTOVECTOR_EXPONENTSCALING_H

#include "mlir/IR/Builders.h"

namespace mlir::mx {

/// The least and largest exponent of the f32 scales `scalesA` ([m][g], M x
/// G) over the rows of each tile of `rows` rows (rows past M count as row
/// M - 1), as an i32 buffer [tile][g][2]. A NaN or non-normal scale makes the
/// range one that fails buildExponentPathTest.
Value buildRowTileExponentRanges(OpBuilder &b, Location loc, Value scalesA,
                                 int64_t M, int64_t G, int64_t rows);

/// The same for the f32 scales `scalesB` ([g][n], G x N) over each panel of
/// `vectors` x 16 columns: [panel][g][2].
Value buildPanelExponentRanges(OpBuilder &b, Location loc, Value scalesB,
                               int64_t G, int64_t N, int64_t vectors);

/// Whether K-block `g` of row tile `tile` and panel `panel` may take
/// scaleByExponents (i1).
Value buildExponentPathTest(OpBuilder &b, Location loc, Value rangesA,
                            Value rangesB, Value tile, Value panel, Value g,
                            int64_t G);

/// totals[r * vectors + v] + partial[r * vectors + v] * 2^(a_r + b_v) for
/// the i32 block dots `partial` of a rows x (vectors x 16) tile: a_r the
/// exponent of A's scale of row `rowIndices[r]`, b_v those of B's scales at
/// columns `column` + 16 v, in K-block `g`.
SmallVector<Value> scaleByExponents(OpBuilder &b, Location loc,
                                    ArrayRef<Value> partial, ValueRange totals,
                                    Value scalesA, Value scalesB,
                                    ArrayRef<Value> rowIndices, Value column,
                                    Value g, int64_t G, int64_t N,
                                    int64_t vectors);

} // namespace mlir::mx

#endif // MX_LIB_CONVERSION_MXTOVECTOR_EXPONENTSCALING_H
