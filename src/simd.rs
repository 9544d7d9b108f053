//! Hot loops built twice, for AVX2 and for any x86-64, the build chosen when called.
//!
//! The baseline x86-64 target has four float lanes; AVX2 has eight, and so does most
//! every processor these reports are converted on. A loop built for both does the
//! same integer and float operations in either (Rust never fuses a multiply and an
//! add on its own), so both give the same pixels: only the time differs.

/// Defines `fn $name(args) -> ret` (or no `ret`) calling `$portable(args)`, the body built for AVX2
/// where the processor has it. `$portable` should be `#[inline(always)]`: built into
/// the AVX2 function, not called from it. Generic parameters go in brackets.
macro_rules! avx2_or_portable {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident $([$($generics:tt)*])? ($($arg:ident: $ty:ty),* $(,)?)
            $(-> $ret:ty)? = $portable:ident;
    ) => {
        $(#[$attr])*
        $vis fn $name $(<$($generics)*>)? ($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn avx2 $(<$($generics)*>)? ($($arg: $ty),*) $(-> $ret)? {
                    $portable($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the processor has AVX2, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $portable($($arg),*)
        }
    };
}

pub(crate) use avx2_or_portable;
