// NVVM ops the chip of their gpu.module lacks: errors, before the NVPTX
// backend would abort on them.
// RUN: mx-opt %s -split-input-file -verify-diagnostics --mx-verify-nvvm-target

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_90a">] {
    llvm.func @f(%a: f32, %b: f32) -> i8 {
      // expected-error@below {{'nvvm.convert.f32x2.to.f4x2' op is not available on sm_90a (needs sm_100a, sm_101a, sm_103a, sm_120a and sm_121a)}}
      %r = nvvm.convert.f32x2.to.f4x2 %a, %b : i8 (f4E2M1FN)
      llvm.return %r : i8
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_90a">] {
    llvm.func @f(%a: f32) -> i16 {
      // expected-error@below {{'nvvm.convert.f32x2.to.f8x2' op is not available on sm_90a (needs sm_100a, sm_101a, sm_103a, sm_120a and sm_121a)}}
      %r = nvvm.convert.f32x2.to.f8x2 %a, %a {rnd = #nvvm.fp_rnd_mode<rp>, sat = #nvvm.sat_mode<satfinite>} : i16 (f8E8M0FNU)
      llvm.return %r : i16
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_86">] {
    llvm.func @f(%a: i32, %c: f32) {
      // expected-error@below {{'llvm.call_intrinsic' op is not available on sm_86 (needs sm_89 and later)}}
      %r = llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e4m3.f32"(%a, %a, %a, %a, %a, %a, %c, %c, %c, %c) : (i32, i32, i32, i32, i32, i32, f32, f32, f32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      llvm.return
    }
  }
}

// -----

// The same ops on chips that have them pass.
module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_120a">] {
    llvm.func @f(%a: f32, %b: f32) -> i8 {
      %r = nvvm.convert.f32x2.to.f4x2 %a, %b : i8 (f4E2M1FN)
      llvm.return %r : i8
    }
  }
}
