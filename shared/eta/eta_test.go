package eta_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/eta"
)

func mins(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Minute
	}
	return out
}

func TestQuantile(t *testing.T) {
	ten := mins(100, 10, 90, 20, 80, 30, 70, 40, 60, 50) // 10..100 shuffled
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.9, 90 * time.Minute},   // rank ceil(9) = 9th of 10
		{0.5, 50 * time.Minute},   // rank 5
		{0.95, 100 * time.Minute}, // rank ceil(9.5) = 10
		{0.01, 10 * time.Minute},  // rank 1
	}
	for _, tt := range tests {
		if got := eta.Quantile(ten, tt.q); got != tt.want {
			t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if eta.Quantile(nil, 0.9) != 0 {
		t.Error("empty history")
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func office(t *testing.T, opts ...calendar.Option) *calendar.Calendar {
	t.Helper()
	day := []calendar.Interval{{Start: 9 * 60, End: 17 * 60}}
	c, err := calendar.New(mustLoad(t, "America/New_York"), calendar.Week{nil, day, day, day, day, day, nil}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEstimate(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	london := mustLoad(t, "Europe/London")
	us, err := calendar.Country("us")
	if err != nil {
		t.Fatal(err)
	}
	utc10 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	history := mins(10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
	tests := []struct {
		name      string
		in        eta.Input
		customer  *time.Location
		wantBy    time.Time
		wantText  string
		cold      bool
		closedNow bool
	}{
		{
			// Fewer than 10 samples: the 1h target, said as "within 1 hour".
			name: "cold start", in: eta.Input{Now: utc10.Add(7 * time.Minute), Target: time.Hour, Waits: mins(5, 5, 5)},
			wantBy: utc10.Add(67 * time.Minute), wantText: "within 1 hour", cold: true,
		},
		{
			// p90 of 10..100 minutes is 90; rounded up to whole hours: 2.
			name: "history p90", in: eta.Input{Now: utc10, Target: time.Hour, Waits: history},
			wantBy: utc10.Add(2 * time.Hour), wantText: "within 2 hours",
		},
		{
			// 40 minutes rounds up to the next quarter: 45.
			name: "short waits", in: eta.Input{Now: utc10, Target: time.Hour, Waits: mins(5, 10, 10, 15, 20, 25, 30, 35, 40, 40)},
			wantBy: utc10.Add(45 * time.Minute), wantText: "within 45 minutes",
		},
		{
			// 8 tickets ahead at 4 an hour (pace from 50 replies): this one
			// is the 9th. Mean 9/4 = 2.25h; spread √(9 + 81/50)/4 = 0.8147h;
			// p90 2.25 + 1.2816·0.8147 = 3.294h. The history's 90 minutes do
			// not matter once the pace is known. Said as a span rounded up:
			// 4 hours.
			name: "backlog", in: eta.Input{Now: utc10, Target: time.Hour, Waits: history, Backlog: 8, Throughput: 4, PaceSamples: 50},
			wantBy: utc10.Add(4 * time.Hour), wantText: "within 4 hours",
		},
		{
			// 12 ahead: mean 13/4 = 3.25h, spread √(13 + 169/50)/4 = 1.0118h,
			// p90 4.547h = 14:32:49; beyond four hours it is said as a clock
			// time, up to the full hour.
			name: "long backlog", in: eta.Input{Now: utc10, Target: time.Hour, Waits: history, Backlog: 12, Throughput: 4, PaceSamples: 50},
			wantBy: utc10.Add(5 * time.Hour), wantText: "by today 15:00 UTC",
		},
		{
			// The long backlog, a quarter of which will be closed without a
			// reply: 12·0.75 + 1 = 10 services, mean 2.5h, spread
			// √(10 + 100/50)/4 = 0.8660h, p90 3.610h: "within 4 hours",
			// not 15:00.
			name: "backlog partly leaving", in: eta.Input{Now: utc10, Target: time.Hour, Waits: history, Backlog: 12, Leaving: 0.25, Throughput: 4, PaceSamples: 50},
			wantBy: utc10.Add(4 * time.Hour), wantText: "within 4 hours",
		},
		{
			// All of it leaving counts as 90%: 12·0.1 + 1 = 2.2 services,
			// mean 0.55h, spread √(2.2 + 4.84/50)/4 = 0.3789h, p90 62.1 min:
			// "within 2 hours" (as if nobody were ahead: 34 min, 45 minutes).
			name: "backlog nearly all leaving", in: eta.Input{Now: utc10, Target: time.Hour, Waits: history, Backlog: 12, Leaving: 1, Throughput: 4, PaceSamples: 50},
			wantBy: utc10.Add(2 * time.Hour), wantText: "within 2 hours",
		},
		{
			// Recent replies came 3 spreads late: z = 3 replaces 1.2816.
			// 2.25 + 3·0.8147 = 4.694h = 14:41:40, up to 15:00.
			name: "model lately optimistic", in: eta.Input{Now: utc10, Target: time.Hour, Backlog: 8, Throughput: 4, PaceSamples: 50,
				Residuals: []float64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}},
			wantBy: utc10.Add(5 * time.Hour), wantText: "by today 15:00 UTC",
		},
		{
			// Recent replies came early: the normal quantile stays, the
			// margin never shrinks below it. Same as "backlog".
			name: "model lately pessimistic", in: eta.Input{Now: utc10, Target: time.Hour, Backlog: 8, Throughput: 4, PaceSamples: 50,
				Residuals: []float64{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}},
			wantBy: utc10.Add(4 * time.Hour), wantText: "within 4 hours",
		},
		{
			// A pace from 5 replies is not trusted yet: the history's p90.
			name: "pace from too few replies", in: eta.Input{Now: utc10, Target: time.Hour, Waits: history, Backlog: 8, Throughput: 4, PaceSamples: 5},
			wantBy: utc10.Add(2 * time.Hour), wantText: "within 2 hours",
		},
		{
			// Friday 18:30 EST, closed; 2 business hours from Monday 09:00 is
			// 11:00 EST, which is 16:00 in London (GMT).
			name: "closed over a weekend", in: eta.Input{Now: time.Date(2026, 11, 27, 18, 30, 0, 0, ny), Calendar: office(t), Target: 2 * time.Hour},
			customer: london, wantBy: time.Date(2026, 11, 30, 11, 0, 0, 0, ny), wantText: "by Monday 16:00 (your time)", cold: true, closedNow: true,
		},
		{
			// Same, customer zone unknown: the team's posted time.
			name: "closed, zone unknown", in: eta.Input{Now: time.Date(2026, 11, 27, 18, 30, 0, 0, ny), Calendar: office(t), Target: 2 * time.Hour},
			wantBy: time.Date(2026, 11, 30, 11, 0, 0, 0, ny), wantText: "by Monday 11:00 EST", cold: true, closedNow: true,
		},
		{
			// Wednesday 25 Nov 16:30: 30 minutes today, Thanksgiving (26th)
			// closed, Friday 09:00 + 1h30 = 10:30, up to 11:00. Open now,
			// but more than 4 hours away: a clock time.
			name: "holiday", in: eta.Input{Now: time.Date(2026, 11, 25, 16, 30, 0, 0, ny), Calendar: office(t, calendar.WithHolidaySet(us)), Target: 2 * time.Hour},
			wantBy: time.Date(2026, 11, 27, 11, 0, 0, 0, ny), wantText: "by Friday 11:00 EST", cold: true,
		},
		{
			// Friday 30 Oct 16:00 EDT: 1h that day; clocks fall back on
			// Sunday 1 Nov; Monday 09:00 EST + 3h = 12:00 EST = 17:00 GMT
			// (London fell back a week earlier).
			name: "across a DST change", in: eta.Input{Now: time.Date(2026, 10, 30, 16, 0, 0, 0, ny), Calendar: office(t), Target: 4 * time.Hour},
			customer: london, wantBy: time.Date(2026, 11, 2, 12, 0, 0, 0, ny), wantText: "by Monday 17:00 (your time)", cold: true,
		},
		{
			// Tuesday 16:30: 30 minutes today and 3h30 tomorrow: Wednesday
			// 12:30, up to 13:00.
			name: "tomorrow", in: eta.Input{Now: time.Date(2026, 11, 24, 16, 30, 0, 0, ny), Calendar: office(t), Target: 4 * time.Hour},
			wantBy: time.Date(2026, 11, 25, 13, 0, 0, 0, ny), wantText: "by tomorrow 13:00 EST", cold: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := eta.Estimate(tt.in)
			if !p.By.Equal(tt.wantBy) || p.ColdStart != tt.cold || p.ClosedNow != tt.closedNow {
				t.Errorf("promise %v (cold %v, closed %v), want %v (cold %v, closed %v)", p.By, p.ColdStart, p.ClosedNow, tt.wantBy, tt.cold, tt.closedNow)
			}
			if got := eta.Text(p, tt.in.Now, tt.customer, tt.in.Calendar.Location()); got != tt.wantText {
				t.Errorf("text %q, want %q", got, tt.wantText)
			}
			// Never earlier than the data supports.
			if raw := tt.in.Calendar.Add(tt.in.Now, p.Wait); p.By.Before(raw) {
				t.Errorf("promise %v earlier than the estimate %v", p.By, raw)
			}
		})
	}
}

func TestOpensText(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	p := eta.Estimate(eta.Input{Now: time.Date(2026, 11, 28, 12, 0, 0, 0, ny), Calendar: office(t), Target: time.Hour})
	if got := eta.OpensText(p, ny); got != "Monday 09:00 EST" {
		t.Errorf("OpensText = %q", got)
	}
	open := eta.Estimate(eta.Input{Now: time.Date(2026, 11, 30, 12, 0, 0, 0, ny), Calendar: office(t), Target: time.Hour})
	if got := eta.OpensText(open, ny); got != "" {
		t.Errorf("open team: OpensText = %q", got)
	}
}

func TestResidual(t *testing.T) {
	p := eta.Promise{Mean: 2 * time.Hour, Spread: 30 * time.Minute}
	for _, tt := range []struct {
		wait time.Duration
		want float64
	}{{2 * time.Hour, 0}, {3 * time.Hour, 2}, {90 * time.Minute, -1}} {
		if r, ok := eta.Residual(p, tt.wait); !ok || r != tt.want {
			t.Errorf("Residual(%v) = %v, %v; want %v", tt.wait, r, ok, tt.want)
		}
	}
	if _, ok := eta.Residual(eta.Promise{}, time.Hour); ok {
		t.Error("a promise without a model has no residual")
	}
}

// The margin is learnt from recent residuals of tickets at a similar
// position. One ahead of nobody (position 1) at 4 an hour from 50 replies:
// mean 15m, spread √(1 + 1/50)/4 h = 15m09s. Twelve fresh residuals of 5
// spreads at position 1 make z = 5: 15m + 5·15m09s = 1h31m, said "within 2
// hours". The same residuals from position 64 (six doublings away, weight
// 0.25^6 each) or five days old (weight 2^-5 each, and 2^-5/4 = 0.42 each
// at the longest half-life tried, four days: 5.0 residuals' worth) are not
// evidence enough (fewer than 10 residuals' worth): the normal z, 15m +
// 1.2816·15m09s = 34m, "within 45 minutes". Fifteen two days old are worth
// 3.75 at a day's half-life, 7.5 at two days', 10.6 at four days': a quiet
// queue's residuals count then, z = 5 again. Early residuals never cut the
// normal margin.
func TestMarginByPositionAndAge(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	errs := func(z float64, pos int, age time.Duration) []eta.Error {
		var out []eta.Error
		for range 12 {
			out = append(out, eta.Error{Z: z, Position: pos, At: now.Add(-age)})
		}
		return out
	}
	for _, tt := range []struct {
		name string
		errs []eta.Error
		want string
	}{
		{"fresh, same position", errs(5, 1, time.Hour), "within 2 hours"},
		{"fresh, far position", errs(5, 64, time.Hour), "within 45 minutes"},
		{"same position, five days old", errs(5, 1, 5*24*time.Hour), "within 45 minutes"},
		{"same position, fifteen two days old", append(errs(5, 1, 48*time.Hour), errs(5, 1, 48*time.Hour)[:3]...), "within 2 hours"},
		{"early", errs(-2, 1, time.Hour), "within 45 minutes"},
	} {
		p := eta.Estimate(eta.Input{Now: now, Target: time.Hour, Throughput: 4, PaceSamples: 50, Errors: tt.errs})
		if got := eta.Text(p, now, nil, nil); got != tt.want || p.Position != 1 {
			t.Errorf("%s: %q (position %d), want %q (position 1)", tt.name, got, p.Position, tt.want)
		}
	}
}

// A team of twelve open 9-18 on weekdays whose weekend hours (10-16) are
// covered by two: 8 replies an hour during the week, 4/3 at weekends. On
// Friday 27 November 2026 at 17:00 with 15 ahead (n = 16, m = 50): sd =
// √(16 + 256/50) = 4.5957 services, so the promise covers 16 + 1.2816 ×
// 4.5957 = 21.890 services. At the weekday pace throughout that is
// 2.736 h of business time: Friday's last hour and Saturday 11:44, "by
// tomorrow 12:00". At each day's pace: Friday's hour does 8, Saturday's
// six hours 8, and the last 5.890 take 4.417 h on Sunday: 14:25, "by
// Sunday 15:00". Mean (16 services) ends with Saturday's hours: 7 h.
//
// With 30 ahead (n = 31: sd = √(31 + 961/50) = 7.0867, 40.082 services)
// the promise reaches Monday with 16.082 services to go: 2.010 h at the
// recent 8 an hour, "by Monday 12:00". Monday's own pace of 5 (within 2x
// of the recent one, the noise of one week's Mondays) is not used; it
// would have said 3.216 h, "by Monday 13:00".
func TestEstimateWeekPace(t *testing.T) {
	day := []calendar.Interval{{Start: 9 * 60, End: 18 * 60}}
	weekend := []calendar.Interval{{Start: 10 * 60, End: 16 * 60}}
	cal, err := calendar.New(time.UTC, calendar.Week{weekend, day, day, day, day, day, weekend})
	if err != nil {
		t.Fatal(err)
	}
	fri17 := time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	covered := [7]float64{4.0 / 3, 8, 8, 8, 8, 8, 4.0 / 3}
	slowMonday := covered
	slowMonday[time.Monday] = 5
	for _, tt := range []struct {
		name     string
		backlog  int
		week     [7]float64
		wantText string
		wantMean time.Duration
	}{
		{"no weekday pattern", 15, [7]float64{}, "by tomorrow 12:00 UTC", 2 * time.Hour},
		{"weekend at a sixth", 15, covered, "by Sunday 15:00 UTC", 7 * time.Hour},
		{"weekday within 2x", 30, slowMonday, "by Monday 12:00 UTC", 0},
	} {
		p := eta.Estimate(eta.Input{Now: fri17, Calendar: cal, Target: time.Hour, Backlog: tt.backlog,
			Throughput: 8, PaceSamples: 50, Week: tt.week})
		if got := eta.Text(p, fri17, nil, time.UTC); got != tt.wantText {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.wantText)
		}
		if d := p.Mean - tt.wantMean; tt.wantMean > 0 && (d > time.Second || d < -time.Second) {
			t.Errorf("%s: mean %v, want %v", tt.name, p.Mean, tt.wantMean)
		}
	}
}
