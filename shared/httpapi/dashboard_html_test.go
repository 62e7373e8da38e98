package httpapi

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/chart"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/report"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// The oracle: the dashboard as html/template rendered it until the page
// was written without it (dashboard_html.go). testdata/dashboard.html.tmpl
// is that template, unchanged; html/template escapes each value for its
// place in the page, so matching its bytes for hostile values is matching
// its escaping.
var oracle = template.Must(template.New("dashboard").Funcs(template.FuncMap{
	"left":    formatLeft,
	"pct":     formatPct,
	"minutes": formatMinutes,
	"late":    func(m float64) string { return formatMinutes(&m) },
}).Parse(mustRead("testdata/dashboard.html.tmpl")))

func mustRead(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// oraclePage is the data the template was executed with: the page, its
// charts, stylesheet and script typed as html/template's trusted content
// (the template's fields shadow the page's strings).
type oraclePage struct {
	*dashboardPage
	CSS                                          template.CSS
	JS                                           template.JS
	Attainment, Distribution, Lateness, Promises template.HTML
}

func renderOracle(t *testing.T, p *dashboardPage) string {
	t.Helper()
	var b strings.Builder
	err := oracle.Execute(&b, oraclePage{dashboardPage: p, CSS: template.CSS(dashboardCSS), JS: template.JS(dashboardJS),
		Attainment: template.HTML(p.Attainment), Distribution: template.HTML(p.Distribution),
		Lateness: template.HTML(p.Lateness), Promises: template.HTML(p.Promises)})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func renderPage(p *dashboardPage) string {
	var b htmlBuf
	p.render(&b)
	return b.String()
}

// sameHTML fails t at the first byte where the page differs from the
// oracle's.
func sameHTML(t *testing.T, name string, p *dashboardPage) string {
	t.Helper()
	want, got := renderOracle(t, p), renderPage(p)
	if got == want {
		return got
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-120)
	t.Errorf("%s: the page differs from html/template's at byte %d of %d (want %d bytes)\n got …%q\nwant …%q",
		name, i, len(got), len(want), got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
	return got
}

// hostile are strings that need escaping somewhere on the page.
var hostile = []string{
	`<script>alert("x")</script>`, `"><img src=x onerror=alert(1)>`, `it's & "quoted"`, `a+b=c`, "nul\x00byte",
	"ünïcödé ☕ 日本語", "bad utf-8 \xff\xfe", `</title><script>`, `{{.Team}}`, `%41%zz%`, "tab\tand\nnewline",
}

// hostileURLs are ticket links: html/template lets http, https, mailto
// and relative URLs through (normalised) and replaces the rest.
var hostileURLs = []string{
	"javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
	"vbscript:msgbox", "https://desk.test/tickets/1?a=b&c=\"d\"<e>", "HTTP://desk.test/x y", "mailto:someone@example.com",
	"tickets/generic/a%2Fb", "/relative/path:with:colons", "//evil.test/", "https://desk.test/é☕", "?q=1+2", "#frag'ment",
	"https://desk.test/%zz%4", "",
}

// TestDashboardMatchesTemplate: for pages built by the handler from stores
// holding hostile names, ids, links and zones, the page is byte for byte
// what html/template made of them.
func TestDashboardMatchesTemplate(t *testing.T) {
	empty, full, teamA, teamB := hostileStores(t)
	for _, tt := range []struct {
		name  string
		api   *API
		query string
		host  string
	}{
		{"empty store (onboarding)", empty, "", "localhost:8080"},
		{"onboarding, hostile host", empty, "", `evil"><script>alert(1)</script>+&'`},
		{"onboarding, team and zone", empty, "team=" + url.QueryEscape(teamA) + "&tz=Asia/Kolkata&days=7&refresh=60", "h"},
		{"everything", full, "", "h"},
		{"everything, 90 days, São Paulo", full, "days=90&tz=America/Sao_Paulo", "h"},
		{"team <script>", full, "team=" + url.QueryEscape(teamA), "h"},
		{"team unicode", full, "team=" + url.QueryEscape(teamB) + "&tz=Europe/Paris", "h"},
		{"default team, 14 days", full, "team=support&days=14&refresh=2", "h"},
	} {
		p := tt.api.page(t, tt.query, tt.host)
		if tt.api == full && (len(p.AtRisk.Tickets) == 0 || len(p.Breaches) == 0 || len(p.Summary) == 0) {
			t.Fatalf("%s: %d at risk, %d breaches, %d teams: the case tests nothing", tt.name, len(p.AtRisk.Tickets), len(p.Breaches), len(p.Summary))
		}
		body := sameHTML(t, tt.name, p)
		// Checked by hand, not against the oracle: one script element (the
		// page's own), no live javascript: link.
		if c := strings.Count(body, "<script"); c != 1 {
			t.Errorf("%s: %d <script elements, want 1", tt.name, c)
		}
		if strings.Contains(strings.ToLower(body), `href="javascript:`) || strings.Contains(strings.ToLower(body), `href=" javascript:`) {
			t.Errorf("%s: a javascript: link survived", tt.name)
		}
		if tt.api == full && tt.query == "" && !strings.Contains(body, `<a href="#ZgotmplZ">`) {
			t.Errorf("%s: no defanged link, but the breaches include javascript: ones", tt.name)
		}
	}
}

// hostileStores returns the dashboards of an empty store and of one whose
// names, ids and links are hostile: teams teamA and teamB, clocks running
// on every hostile id, five days of breaches linked to every hostile URL.
func hostileStores(t testing.TB) (empty, full *API, teamA, teamB string) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	teamA, teamB = `<script>alert("team")</script>`, "Équipe d'été + ☕"
	cfgYAML := `sources:
  zendesk: {provider: zendesk, ticket_url: "https://desk.test/tickets/{id}?x=1&y=2"}
  generic: {provider: generic}
policies:
  - name: "vip <b>"
    team: ` + quote(teamA) + `
    match: {tags: vip}
    first_response: {within: 30m}
    next_reply: {within: 30m}
    warnings: [10m]
  - name: unicode
    team: ` + quote(teamB) + `
    match: {tags: uni}
    first_response: {within: 2h}
  - name: standard
    first_response: {within: 4h}
    next_reply: {within: 4h}
    warnings: ["25%"]
`
	cfg, err := policy.Parse([]byte(cfgYAML))
	if err != nil {
		t.Fatal(err)
	}
	newAPI := func(mem *store.Memory) *API {
		a := New(cfg, mem, func(string) (string, bool) { return "", false }, slog.New(slog.NewTextHandler(io.Discard, nil)))
		a.Now = func() time.Time { return now }
		a.History, a.Clocks = mem, mem
		return a
	}
	mem := store.NewMemoryAt(func() time.Time { return now })
	n := 0
	open := func(src, id string, created time.Time, tags ...string) {
		t.Helper()
		n++
		e := event.Event{Source: src, TicketID: id, ID: fmt.Sprint("e", n), Kind: event.TicketCreated, Channel: event.Email,
			OccurredAt: created, Author: event.Customer, Public: true, Tags: tags}
		if _, err := mem.Update(ctx, store.Key{Source: src, ID: id}, e.ID, func(tk sla.Ticket) (sla.Ticket, bool, error) {
			return sla.Apply(cfg, tk, e)
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range hostile {
		open("generic", id, now.Add(-time.Duration(i*37)*time.Minute), "vip")
		open("zendesk", id, now.Add(-time.Duration(i*53)*time.Minute), []string{"vip", "uni", "other"}[i%3])
	}
	// Five days of breaches: fewer than the 81 that would narrow the
	// breach list to the last two hours.
	for i := range 5 {
		for k, u := range hostileURLs {
			ticket := hostile[(i+k)%len(hostile)]
			team := []string{teamA, teamB, policy.DefaultTeam}[k%3]
			start := now.AddDate(0, 0, -i).Add(-time.Duration(k+2) * time.Hour)
			took := []time.Duration{10 * time.Minute, 3 * time.Hour, 30 * time.Hour}[(i+k)%3]
			r := history.Record{Source: []string{"generic", "zendesk"}[k%2], Ticket: ticket, Metric: history.FirstResponse, Cycle: k % 2,
				Policy: "vip <b>", Team: team, Started: start, Due: start.Add(time.Hour), Ended: start.Add(took), URL: u}
			if k%4 == 3 {
				r.Metric = history.NextReply
			}
			r.Measure(nil, true, 0)
			if _, err := mem.Record(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return newAPI(store.NewMemoryAt(func() time.Time { return now })), newAPI(mem), teamA, teamB
}

// page is what GET /?query shows, with host as the request's Host.
func (a *API) page(t testing.TB, query, host string) *dashboardPage {
	t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	p, param, err := a.dashboardParams(q)
	if err != nil {
		t.Fatalf("?%s: %s: %v", query, param, err)
	}
	p.Host = host
	if err := a.fillDashboard(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// BenchmarkDashboardRender writes the hostile store's page; its baseline,
// BenchmarkDashboardRenderTemplate, executes the html/template it replaced
// on the same page.
func BenchmarkDashboardRender(b *testing.B) {
	_, full, _, _ := hostileStores(b)
	p := full.page(b, "", "h")
	for b.Loop() {
		var w htmlBuf
		p.render(&w)
	}
}

func BenchmarkDashboardRenderTemplate(b *testing.B) {
	_, full, _, _ := hostileStores(b)
	p := full.page(b, "", "h")
	data := oraclePage{dashboardPage: p, CSS: template.CSS(dashboardCSS), JS: template.JS(dashboardJS),
		Attainment: template.HTML(p.Attainment), Distribution: template.HTML(p.Distribution),
		Lateness: template.HTML(p.Lateness), Promises: template.HTML(p.Promises)}
	for b.Loop() {
		var w strings.Builder
		if err := oracle.Execute(&w, data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDashboardMatchesTemplateRandom fills every field of the page with
// random strings of the characters escaping is about, random links,
// times, zones and counts, and compares the page with html/template's.
func TestDashboardMatchesTemplateRandom(t *testing.T) {
	pieces := []string{"<", ">", "&", "'", `"`, "+", "\x00", " ", "a", "Z", "9", "/", ":", "?", "#", "=", "%", "%4", "%41", "%zz",
		"é", "☕", "\xff", "\t", "javascript:", "JAVASCRIPT:", "http:", "https://", "mailto:", "data:", "//", "-._~", "!$*,;@[]", "{{", "`"}
	zones := []*time.Location{time.UTC, time.FixedZone("<b>+&'\"", 5*3600+1800), time.FixedZone("", -3*3600)}
	for _, name := range []string{"America/Sao_Paulo", "Asia/Kolkata", "Pacific/Chatham", "Europe/London"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	seeds := 400
	if testing.Short() {
		seeds = 50
	}
	for seed := range seeds {
		r := rand.New(rand.NewPCG(uint64(seed), 16))
		str := func() string {
			var b strings.Builder
			for range r.IntN(8) {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			return b.String()
		}
		tm := func() time.Time {
			return time.Unix(1_700_000_000+r.Int64N(100_000_000), r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
		}
		pct := func() *float64 {
			if r.IntN(3) == 0 {
				return nil
			}
			v := r.Float64() * 200
			return &v
		}
		fig := func() report.Figures {
			return report.Figures{Met: r.Int64N(1e6) - 10, Breached: r.Int64N(1e6), AttainmentPct: pct(), BusinessP50Min: pct(), BusinessP90Min: pct()}
		}
		p := &dashboardPage{Now: tm(), Zone: zones[r.IntN(len(zones))], Days: r.IntN(100), DayChoices: []int{7, 14, 30, 90},
			From: str(), To: str(), Refresh: r.IntN(400), AtRiskSrc: str(), ReportCSV: str(), Empty: r.IntN(2) == 0, Host: str(),
			BreachesFrom: tm(), BreachesMore: r.IntN(2) == 0}
		if r.IntN(2) == 0 {
			p.ZoneName = str()
		}
		for range r.IntN(4) {
			p.Teams = append(p.Teams, str())
		}
		switch {
		case len(p.Teams) > 0 && r.IntN(2) == 0:
			p.Team = p.Teams[r.IntN(len(p.Teams))]
		case r.IntN(2) == 0:
			p.Team = str()
		}
		if r.IntN(2) == 0 {
			p.Days = p.DayChoices[r.IntN(len(p.DayChoices))]
		}
		p.AtRisk = atRiskList{Now: tm(), Team: p.Team, Limit: r.IntN(600), Truncated: r.IntN(2) == 0}
		for range r.IntN(4) {
			it := atRiskItem{Source: str(), TicketID: str(), Metric: str(), Cycle: r.IntN(3), DueAt: tm(), SecondsLeft: r.Int64N(400_000) - 200_000,
				State: []string{"on_track", "at_risk", "breached", str()}[r.IntN(4)], Policy: str(), Team: str()}
			if r.IntN(2) == 0 {
				it.TicketURL = str()
			}
			if r.IntN(2) == 0 {
				w := tm()
				it.WarningAt = &w
			}
			p.AtRisk.Tickets = append(p.AtRisk.Tickets, it)
		}
		for range r.IntN(3) {
			p.Summary = append(p.Summary, summaryRow{Team: str(), First: fig(), Next: fig(), Promise: fig(), Resolution: fig()})
		}
		p.Total = summaryRow{Team: str(), First: fig(), Next: fig(), Promise: fig(), Resolution: fig()}
		for range r.IntN(3) {
			p.DistTable = append(p.DistTable, binRow{str(), r.Int64N(1000)})
			p.LateTable = append(p.LateTable, binRow{str(), r.Int64N(1000)})
			p.PromiseTable = append(p.PromiseTable, dayRate{Day: str(), Promised: r.Int64N(100), Kept: r.Int64N(100), KeptPct: pct()})
		}
		for range r.IntN(4) {
			b := report.Breach{Source: str(), Ticket: str(), Metric: str(), Cycle: r.IntN(3), Policy: str(), Team: str(),
				Due: tm(), Ended: tm(), LatenessMin: r.Float64() * 3000, URL: str()}
			p.Breaches = append(p.Breaches, breachRow{Breach: b, Href: ticketHref(b.URL, b.Source, b.Ticket)})
		}
		labels := []string{str(), str()}
		p.Attainment = chart.Line{Title: str(), XLabel: str(), YLabel: str(), Categories: labels,
			Series: []chart.Series{{Name: str(), Values: []float64{r.Float64() * 100, 50}}}, YMax: 100, Unit: "%"}.SVG()
		p.Distribution = chart.Bars{Title: str(), Labels: labels, Values: []float64{1, r.Float64() * 9}}.SVG()
		p.Lateness, p.Promises = str(), "<svg>"+str()+"</svg>" // written as they are, whatever they hold
		sameHTML(t, fmt.Sprintf("seed %d", seed), p)
		if t.Failed() {
			return
		}
	}
}
