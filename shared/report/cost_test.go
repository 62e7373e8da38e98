package report_test

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/report"
	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/store/storetest"
)

// costGroups is how many groups TestNinetyDayCost writes a clock for every
// day. make test writes 4 (360 clocks, a few seconds); the figures in
// docs/reports.md come from -report.cost-groups=40 (3,600 clocks, about 45 s
// on two cores).
var costGroups = flag.Int("report.cost-groups", 4, "groups (at most 40) TestNinetyDayCost writes per day")

// TestNinetyDayCost measures a 90-day report over up to 40 groups (5 teams
// × 2 channels × 4 priorities) on DynamoDB Local: its requests follow the
// month partitions and pages, not the clocks, and its wall time is logged.
func TestNinetyDayCost(t *testing.T) {
	if testing.Short() {
		t.Skip("writes hundreds of clocks to DynamoDB Local")
	}
	client, table, count := storetest.LocalTable(t)
	ctx := context.Background()
	s, _ := store.NewDynamoDB(client, table, func() time.Time { return now })
	first := time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC) // 2 Sep – 30 Nov: 90 days, 3 months
	teams := []string{"billing", "support", "sales", "vip", "ops"}
	channels := []event.Channel{event.Email, event.Chat}
	priorities := []event.Priority{event.Low, event.Normal, event.High, event.Urgent}
	var rs []history.Record
	for day := range 90 {
		for g := range min(*costGroups, len(teams)*len(channels)*len(priorities)) {
			start := first.Add(time.Duration(day)*24*time.Hour + time.Duration(g)*10*time.Minute)
			r := history.Record{Source: "zendesk", Ticket: fmt.Sprintf("%d-%d", day, g), Metric: history.FirstResponse, Policy: "hour",
				Team: teams[g%5], Channel: channels[g/5%2], Priority: priorities[g/10], Started: start, Due: start.Add(time.Hour),
				Ended: start.Add(time.Duration(5+g*2) * time.Minute)} // groups 28+ breach
			r.Measure(nil, true, 0)
			rs = append(rs, r)
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rs); i += 4 {
				if _, err := s.Record(ctx, rs[i]); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	count.Take()

	svc := &report.Service{History: s, MaxBreaches: 5000}
	q := report.Query{From: calendar.DateOf(first, time.UTC), To: calendar.Date{Year: 2026, Month: 11, Day: 30},
		By: []report.Dimension{report.Team, report.Channel, report.Priority}}
	for _, breaches := range []bool{false, true} {
		q.Breaches = breaches
		start := time.Now()
		rep, err := svc.Run(ctx, q)
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		n, ops := count.Take()
		got := fmt.Sprint(ops)
		if groups := min(*costGroups, 40); len(rep.Rows) != groups || rep.Total.FirstResponse.Met+rep.Total.FirstResponse.Breached != int64(len(rs)) {
			t.Errorf("%d rows, %d clocks; want %d, %d", len(rep.Rows), rep.Total.FirstResponse.Met+rep.Total.FirstResponse.Breached, groups, len(rs))
		}
		// 3,600 aggregates of about 1 KB: 3 months, 1 MB pages.
		if maxReq := 3 + 4; n > maxReq*(1+btoi(breaches)) {
			t.Errorf("breaches %v: %d requests %s, want at most %d per call", breaches, n, got, maxReq)
		}
		t.Logf("90 days × %d groups (%d clocks), breaches %v (%d listed): %d requests %s in %s", min(*costGroups, 40), len(rs), breaches, len(rep.Breaches), n, got, took.Round(time.Millisecond))
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
