//! Line moments: the sums a least-squares rule fit needs, so two fitted pieces of one
//! rule are joined by adding their sums instead of refitting every run again.

use super::Run;

/// Weighted sums over ink runs, each run weighted by its length: Σw, Σw·t, Σw·p and the
/// second moments, where `t` runs along the rule and `p` across it.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct LineMoments {
    w: f64,
    wt: f64,
    wp: f64,
    wtt: f64,
    wtp: f64,
}

impl LineMoments {
    pub fn of(runs: &[Run]) -> LineMoments {
        let mut m = LineMoments::default();
        for r in runs {
            m.add(r);
        }
        m
    }

    /// A run is a stretch of ink, so it counts its own spread along the rule too (a run
    /// of length `w` adds `w³/12`): that keeps the fit determined when every run covers
    /// the same stretch, as the rows of a thick, straight rule do.
    fn add(&mut self, r: &Run) {
        let w = (r.end - r.start) as f64;
        let t = (r.start + r.end) as f64 / 2.0;
        let p = r.pos as f64;
        self.w += w;
        self.wt += w * t;
        self.wp += w * p;
        self.wtt += w * t * t + w * w * w / 12.0;
        self.wtp += w * t * p;
    }

    pub fn merged(self, o: LineMoments) -> LineMoments {
        LineMoments {
            w: self.w + o.w,
            wt: self.wt + o.wt,
            wp: self.wp + o.wp,
            wtt: self.wtt + o.wtt,
            wtp: self.wtp + o.wtp,
        }
    }

    /// `(slope, intercept)` of the least-squares line `p = intercept + slope · t`.
    pub fn line(&self) -> (f32, f32) {
        let sw = self.w.max(1.0);
        let (t_mean, p_mean) = (self.wt / sw, self.wp / sw);
        let stt = self.wtt - sw * t_mean * t_mean;
        let stp = self.wtp - sw * t_mean * p_mean;
        let slope = if stt > 0.0 { stp / stt } else { 0.0 };
        // A rule is straight and near-level after deskew; a steep fit is noise.
        let slope = slope.clamp(-0.02, 0.02);
        (slope as f32, (p_mean - slope * t_mean) as f32)
    }
}
