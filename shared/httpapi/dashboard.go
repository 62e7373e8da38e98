package httpapi

import (
	"cmp"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/chart"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/report"
)

// The dashboard is one self-contained page: its stylesheet and script are
// inlined (and allowed by hash in the Content-Security-Policy), its charts
// are SVG drawn here, so viewing it loads nothing else and works with
// JavaScript off; the script only keeps the at-risk list live and shows
// times in the viewer's zone.
var (
	//go:embed web/dashboard.css
	dashboardCSS string
	//go:embed web/dashboard.js
	dashboardJS string

	dashboardCSP = "default-src 'none'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; " +
		"style-src '" + cspHash(dashboardCSS) + "'; script-src '" + cspHash(dashboardJS) + "'"
)

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Dashboard defaults and bounds.
const (
	dashboardDays    = 30
	dashboardAtRisk  = 100
	dashboardBreach  = 20
	defaultRefreshS  = 15
	dashboardMaxDays = 90
)

// dashboardPage is what the page shows (dashboard_html.go writes it).
type dashboardPage struct {
	Now          time.Time
	Zone         *time.Location // server-side formatting; the script re-renders in the viewer's zone
	ZoneName     string         // the tz parameter, kept in links and the form
	Days         int
	DayChoices   []int
	Team         string
	Teams        []string
	From, To     string
	Refresh      int
	AtRiskSrc    string
	AtRisk       atRiskList
	Summary      []summaryRow
	Total        summaryRow
	Attainment   string // SVG, escaped by package chart
	Distribution string
	Lateness     string
	Promises     string
	DistTable    []binRow
	LateTable    []binRow
	PromiseTable []dayRate
	Breaches     []breachRow
	BreachesFrom time.Time
	BreachesMore bool
	ReportCSV    string
	Empty        bool
	Host         string
}

type summaryRow struct {
	Team                 string
	First, Next, Promise report.Figures
	Resolution           report.Figures
}

type binRow struct {
	Label string
	Count int64
}

type dayRate struct {
	Day            string
	Promised, Kept int64
	KeptPct        *float64
}

type breachRow struct {
	report.Breach
	Href string
}

// dashboard serves GET / : the SLA dashboard. Parameters (all optional,
// kept by the page's form): days (1 to 90, default 30), team, tz (an IANA
// zone for the times when JavaScript is off), refresh (seconds between
// at-risk updates, 2 to 300).
func (a *API) dashboard(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" || (a.History == nil && a.Clocks == nil) {
		writeError(w, http.StatusNotFound, "no route for "+r.URL.Path, nil)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET", nil)
		return
	}
	page, param, err := a.dashboardParams(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, param+": "+err.Error(), map[string]string{"parameter": param})
		return
	}
	page.Host = r.Host
	if err := a.fillDashboard(r.Context(), page); err != nil {
		a.Log.ErrorContext(r.Context(), "dashboard failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	var buf htmlBuf
	page.render(&buf)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

func (a *API) dashboardParams(v url.Values) (*dashboardPage, string, error) {
	p := &dashboardPage{Now: a.Now().UTC(), Zone: time.UTC, Days: dashboardDays, Refresh: defaultRefreshS,
		DayChoices: []int{7, 14, 30, 90}}
	if s := v.Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > dashboardMaxDays {
			return nil, "days", fmt.Errorf("want a whole number from 1 to %d", dashboardMaxDays)
		}
		p.Days = n
	}
	if s := v.Get("refresh"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 || n > 300 {
			return nil, "refresh", fmt.Errorf("want a whole number of seconds from 2 to 300")
		}
		p.Refresh = n
	}
	if s := v.Get("tz"); s != "" {
		loc, err := time.LoadLocation(s)
		if err != nil || s == "Local" {
			return nil, "tz", fmt.Errorf("unknown time zone %s", quote(s))
		}
		p.Zone, p.ZoneName = loc, s
	}
	p.Team = v.Get("team")
	if p.Team != "" && !a.hasTeam(p.Team) {
		return nil, "team", fmt.Errorf("no policy is owned by team %s", quote(p.Team))
	}
	p.Teams = a.teams()
	return p, "", nil
}

// teams lists the configured teams, the default one last.
func (a *API) teams() []string {
	var out []string
	for _, pol := range a.Config.Policies {
		if t := a.Config.Team(pol.Name); t != policy.DefaultTeam && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return append(out, policy.DefaultTeam)
}

func (a *API) fillDashboard(ctx context.Context, p *dashboardPage) error {
	q := url.Values{"limit": {strconv.Itoa(dashboardAtRisk)}}
	if p.Team != "" {
		q.Set("team", p.Team)
	}
	p.AtRiskSrc = "api/at-risk?" + q.Encode()
	if a.Clocks != nil {
		list, err := a.running(ctx, p.Team, dashboardAtRisk)
		if err != nil {
			return fmt.Errorf("at-risk: %w", err)
		}
		p.AtRisk = list
	}
	to := calendar.DateOf(p.Now, time.UTC)
	from := calendar.DateOf(p.Now.AddDate(0, 0, 1-p.Days), time.UTC)
	p.From, p.To = from.String(), to.String()
	rq := url.Values{"from": {p.From}, "to": {p.To}, "by": {"team,day"}}
	p.ReportCSV = "api/report?" + rq.Encode()
	if a.History == nil {
		p.Empty = len(p.AtRisk.Tickets) == 0
		return nil
	}
	all, err := a.History.Days(ctx, from, to)
	if err != nil {
		return fmt.Errorf("days %s to %s: %w", from, to, err)
	}
	days := all[:0:0]
	for _, d := range all {
		if p.Team == "" || d.Group.Team == p.Team {
			days = append(days, d)
		}
	}
	dates := dateRange(from, p.Days)
	p.attainment(days, dates)
	p.distribution(days)
	p.promises(days, dates)
	if err := a.recentBreaches(ctx, p); err != nil {
		return err
	}
	p.Empty = len(days) == 0 && len(p.AtRisk.Tickets) == 0 && len(p.Breaches) == 0
	return nil
}

// dateRange lists n UTC dates from from.
func dateRange(from calendar.Date, n int) []string {
	start := time.Date(from.Year, from.Month, from.Day, 12, 0, 0, 0, time.UTC)
	out := make([]string, n)
	for i := range out {
		out[i] = calendar.DateOf(start.AddDate(0, 0, i), time.UTC).String()
	}
	return out
}

// shortDates turns 2026-11-05 into 11-05 for the x axis.
func shortDates(dates []string) []string {
	out := make([]string, len(dates))
	for i, d := range dates {
		out[i] = d[5:]
	}
	return out
}

// attainment fills the per-team summary and the first-response attainment
// per team and day.
func (p *dashboardPage) attainment(days []history.Day, dates []string) {
	rep := report.Build(report.Query{By: []report.Dimension{report.Team}}, days)
	for _, row := range rep.Rows {
		p.Summary = append(p.Summary, summaryRow{Team: row.Group[report.Team], First: row.FirstResponse, Next: row.NextReply, Promise: row.Promise, Resolution: row.Resolution})
	}
	p.Total = summaryRow{Team: "all teams", First: rep.Total.FirstResponse, Next: rep.Total.NextReply, Promise: rep.Total.Promise, Resolution: rep.Total.Resolution}
	l := rep.Total.FirstResponse.BreachesByLateness
	n := rep.Total.NextReply.BreachesByLateness
	labels := []string{"< 15 min", "15 min – 1 h", "1 – 4 h", "4 – 24 h", "≥ 24 h"}
	counts := []int64{l.Under15m + n.Under15m, l.To1h + n.To1h, l.To4h + n.To4h, l.To24h + n.To24h, l.Over24h + n.Over24h}
	vals := make([]float64, len(counts))
	for i, c := range counts {
		vals[i] = float64(c)
		p.LateTable = append(p.LateTable, binRow{labels[i], c})
	}
	p.Lateness = chart.Bars{Title: "Breaches by lateness", XLabel: "How late the response came", YLabel: "breaches", Labels: labels, Values: vals}.SVG()

	byDay := report.Build(report.Query{By: []report.Dimension{report.Team, report.Day}}, days)
	index := map[string]int{}
	for i, d := range dates {
		index[d] = i
	}
	var series []chart.Series
	for _, s := range p.Summary {
		vals := make([]float64, len(dates))
		for i := range vals {
			vals[i] = math.NaN()
		}
		for _, row := range byDay.Rows {
			if row.Group[report.Team] != s.Team || row.FirstResponse.AttainmentPct == nil {
				continue
			}
			if i, ok := index[row.Group[report.Day]]; ok {
				vals[i] = *row.FirstResponse.AttainmentPct
			}
		}
		series = append(series, chart.Series{Name: s.Team, Values: vals})
	}
	p.Attainment = chart.Line{Title: "First-response attainment per team", XLabel: "Day (UTC)", YLabel: "met within target",
		Categories: shortDates(dates), Series: series, YMin: 0, YMax: 100, Unit: "%"}.SVG()
}

// distBins are the distribution chart's bins: upper bounds that are all
// bounds of the history's buckets, so each bucket falls in one bin.
type distBin struct {
	upTo  time.Duration // 0: open
	label string
}

var distBins = []distBin{
	{5 * time.Minute, "< 5m"}, {15 * time.Minute, "5–15m"}, {30 * time.Minute, "15–30m"}, {time.Hour, "30m–1h"},
	{2 * time.Hour, "1–2h"}, {4 * time.Hour, "2–4h"}, {8 * time.Hour, "4–8h"}, {24 * time.Hour, "8–24h"},
	{72 * time.Hour, "1–3d"}, {0, "≥ 3d"},
}

// distribution fills the first-response time distribution, in business
// time: the time the SLA measures.
func (p *dashboardPage) distribution(days []history.Day) {
	var h history.Histogram
	for _, d := range days {
		if d.Group.Metric == history.FirstResponse {
			for i, c := range d.Business.Counts {
				h.Counts[i] += c
			}
		}
	}
	counts := make([]int64, len(distBins))
	for i, c := range h.Counts {
		j := len(distBins) - 1 // the open bucket, and any bound past the last bin's
		if i < len(history.Bounds) {
			j = slices.IndexFunc(distBins, func(b distBin) bool { return b.upTo == 0 || history.Bounds[i] <= b.upTo })
		}
		counts[j] += c
	}
	labels := make([]string, len(distBins))
	vals := make([]float64, len(distBins))
	for i, b := range distBins {
		labels[i], vals[i] = b.label, float64(counts[i])
		p.DistTable = append(p.DistTable, binRow{b.label, counts[i]})
	}
	p.Distribution = chart.Bars{Title: "Time to first response", XLabel: "Business time to the first response", YLabel: "first responses",
		Labels: labels, Values: vals}.SVG()
}

// promises fills the promise kept-rate per day.
func (p *dashboardPage) promises(days []history.Day, dates []string) {
	byDay := report.Build(report.Query{By: []report.Dimension{report.Day}}, days)
	rates := map[string]report.Figures{}
	for _, row := range byDay.Rows {
		rates[row.Group[report.Day]] = row.Promise
	}
	vals := make([]float64, len(dates))
	for i, d := range dates {
		vals[i] = math.NaN()
		f := rates[d]
		if f.AttainmentPct != nil {
			vals[i] = *f.AttainmentPct
		}
		if f.Met+f.Breached > 0 {
			p.PromiseTable = append(p.PromiseTable, dayRate{Day: d, Promised: f.Met + f.Breached, Kept: f.Met, KeptPct: f.AttainmentPct})
		}
	}
	p.Promises = chart.Line{Title: "Promises kept per day", XLabel: "Day (UTC)", YLabel: "promises kept",
		Categories: shortDates(dates), Series: []chart.Series{{Values: vals}}, YMin: 0, YMax: 100, Unit: "%"}.SVG()
}

// recentBreaches lists the newest breaches. The store lists a range
// earliest first, up to a limit, so the newest need a range whose list is
// complete, and the widest such range has the most of them. From a week
// back, a range cut by the limit is halved, and between a complete range
// and a cut one the search goes on until the complete one holds a page's
// worth or the two are within the hour. (Fixed steps of a week, a day and
// two hours found nothing after a quiet weekend: the week was cut and the
// last day empty.)
func (a *API) recentBreaches(ctx context.Context, p *dashboardPage) error {
	limit := 4 * dashboardBreach
	list := func(back time.Duration) ([]history.Record, bool, error) {
		recs, err := a.History.Breaches(ctx, p.Now.Add(-back), p.Now.Add(time.Second), limit+1)
		if err != nil {
			return nil, false, fmt.Errorf("breaches: %w", err)
		}
		return recs, len(recs) > limit, nil
	}
	shown := func(recs []history.Record) int {
		n := 0
		for _, r := range recs {
			if p.Team == "" || r.Team == p.Team {
				n++
			}
		}
		return n
	}
	back := 7 * 24 * time.Hour
	recs, more, err := list(back)
	if err != nil {
		return err
	}
	if more {
		// cut is the narrowest range known to be cut; ok the widest known
		// complete, with its list (none yet).
		cut, ok := back, time.Duration(0)
		cutRecs, okRecs := recs, []history.Record(nil)
		for cut-ok > time.Hour {
			mid := ok + (cut-ok)/2
			r, m, err := list(mid)
			if err != nil {
				return err
			}
			if m {
				cut, cutRecs = mid, r
				continue
			}
			ok, okRecs = mid, r
			if shown(r) >= dashboardBreach {
				break
			}
		}
		back, recs, more = ok, okRecs, false
		if ok == 0 {
			// Cut within the hour: the hour's earliest, marked as more.
			back, recs, more = cut, cutRecs, true
		}
	}
	p.BreachesFrom, p.BreachesMore, p.Breaches = p.Now.Add(-back), more, nil
	for i := len(recs) - 1; i >= 0 && len(p.Breaches) < dashboardBreach; i-- {
		r := recs[i]
		if p.Team != "" && r.Team != p.Team {
			continue
		}
		b := report.Breach{Source: r.Source, Ticket: r.Ticket, Metric: r.Metric, Cycle: r.Cycle, Policy: r.Policy, Team: r.Team,
			Due: r.Due, Ended: r.Ended, LatenessMin: math.Round(r.Lateness.Minutes()*10) / 10, URL: cmp.Or(r.URL, a.Config.Link(r.Source, r.Ticket))}
		p.Breaches = append(p.Breaches, breachRow{Breach: b, Href: ticketHref(b.URL, r.Source, r.Ticket)})
	}
	return nil
}

// ticketHref is where a click on a ticket goes: the helpdesk's page when
// the source has a link template, else slawatch's own view of the ticket.
func ticketHref(link, source, id string) string {
	if link != "" {
		return link
	}
	return "tickets/" + url.PathEscape(source) + "/" + escapeID(id)
}

// escapeID escapes a ticket id for the {id...} path, keeping its slashes.
func escapeID(id string) string {
	parts := strings.Split(id, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// Href is where a click on an at-risk ticket goes.
func (it atRiskItem) Href() string { return ticketHref(it.TicketURL, it.Source, it.TicketID) }

func formatLeft(s int64) string {
	d := time.Duration(s) * time.Second
	prefix := ""
	if d < 0 {
		prefix, d = "overdue ", -d
	}
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%s%dd %dh", prefix, d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%s%dh %02dm", prefix, d/time.Hour, d%time.Hour/time.Minute)
	}
	return fmt.Sprintf("%s%dm %02ds", prefix, d/time.Minute, d%time.Minute/time.Second)
}

func formatPct(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64) + "%"
}

func formatMinutes(p *float64) string {
	if p == nil {
		return "–"
	}
	m := *p
	if m >= 90 {
		return strconv.FormatFloat(m/60, 'f', 1, 64) + " h"
	}
	return strconv.FormatFloat(m, 'f', 0, 64) + " min"
}
