package history

import "time"

// Bounds are the upper bounds of the duration histogram's buckets: bucket i
// holds durations in [Bounds[i-1], Bounds[i]) (from 0 for i = 0), and a last,
// open bucket holds Bounds[len-1] and over.
//
// Why these: each bound is at most twice the one before it, and at most 1.5
// times from 10 minutes on, so a quantile interpolated inside a bucket is
// off by at most the bucket's width: at most 5 minutes below 10 minutes, and
// at most half the true value from there on (see Quantile). The common
// targets (5m, 15m, 30m, 1h, 2h, 4h, 8h, 24h) are bounds, so the share of
// clocks within any such target reads straight off the histogram. Beyond 7
// days a response time is a backlog, not a distribution anyone tunes.
var Bounds = [...]time.Duration{
	time.Minute, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 15 * time.Minute, 20 * time.Minute, 30 * time.Minute, 45 * time.Minute,
	time.Hour, 90 * time.Minute, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 6 * time.Hour,
	8 * time.Hour, 12 * time.Hour, 16 * time.Hour, 24 * time.Hour, 36 * time.Hour,
	48 * time.Hour, 72 * time.Hour, 96 * time.Hour, 144 * time.Hour, 168 * time.Hour,
}

// Buckets is the number of duration buckets, the open one included.
const Buckets = len(Bounds) + 1

// Bucket returns the index of d's duration bucket.
func Bucket(d time.Duration) int {
	for i, b := range Bounds {
		if d < b {
			return i
		}
	}
	return len(Bounds)
}

// Histogram counts durations in the fixed buckets and sums them.
type Histogram struct {
	Counts [Buckets]int64 `json:"counts"`
	Sum    time.Duration  `json:"sum"`
}

// Count is the number of durations counted.
func (h *Histogram) Count() int64 {
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// add counts d n times (n < 0 takes it out again).
func (h *Histogram) add(d time.Duration, n int64) {
	h.Counts[Bucket(d)] += n
	h.Sum += time.Duration(n) * d
}

func (h *Histogram) merge(o *Histogram) {
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	h.Sum += o.Sum
}

// Mean is the mean duration; ok is false for an empty histogram.
func (h *Histogram) Mean() (d time.Duration, ok bool) {
	n := h.Count()
	if n <= 0 {
		return 0, false
	}
	return h.Sum / time.Duration(n), true
}

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) of the counted durations:
// it finds the bucket holding the rank q·n and assumes its durations are
// spread evenly across it. The true quantile lies in the same bucket, so
// the error is at most that bucket's width. In the open last bucket the
// estimate is its lower bound (168h): read it as "at least". ok is false for
// an empty histogram.
func (h *Histogram) Quantile(q float64) (d time.Duration, ok bool) {
	n := h.Count()
	if n <= 0 {
		return 0, false
	}
	q = min(max(q, 0), 1)
	rank := q * float64(n)
	var below int64
	for i, c := range h.Counts {
		if c <= 0 {
			continue
		}
		if float64(below+c) >= rank {
			lo := time.Duration(0)
			if i > 0 {
				lo = Bounds[i-1]
			}
			if i == len(Bounds) {
				return lo, true
			}
			frac := (rank - float64(below)) / float64(c)
			return lo + time.Duration(frac*float64(Bounds[i]-lo)), true
		}
		below += c
	}
	return Bounds[len(Bounds)-1], true // not reached: rank ≤ n
}

// LatenessBounds are the upper bounds of the lateness buckets, for breaches:
// [0, 15m), [15m, 1h), [1h, 4h), [4h, 24h), and 24h and over. Coarse on
// purpose: they answer "by how much did we miss", the report's breach table.
var LatenessBounds = [...]time.Duration{15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour}

// LatenessBuckets is the number of lateness buckets, the open one included.
const LatenessBuckets = len(LatenessBounds) + 1

// LatenessBucket returns the index of a lateness's bucket.
func LatenessBucket(d time.Duration) int {
	for i, b := range LatenessBounds {
		if d < b {
			return i
		}
	}
	return len(LatenessBounds)
}
