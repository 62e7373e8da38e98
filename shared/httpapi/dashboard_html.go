package httpapi

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// The dashboard's HTML is written here, not by html/template: html/template
// runs on text/template's executor, whose field lookup calls
// reflect.Value.MethodByName, and one such call anywhere makes the linker
// keep every exported method of every reachable type — all operations of
// the AWS clients — in the webhook and tickets functions (docs/BENCHMARKS.md,
// "Lambda functions"). The page is one fixed layout, so writing it is
// short; every value goes through the escaper html/template would have
// chosen for its place, so the bytes are the ones html/template wrote
// (TestDashboardMatchesTemplate compares the two).

// htmlEscaper escapes text and quoted attribute values as html/template
// does (its htmlReplacementTable): beyond html.EscapeString, '+' (which
// UTF-7 sniffing could misread) and NUL (which the HTML parser would turn
// into U+FFFD anyway). Every old string is one ASCII byte, which never
// occurs inside a multi-byte UTF-8 sequence, so replacing bytes is
// replacing runes; invalid UTF-8 passes through as html/template lets it.
var htmlEscaper = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

// unsafeURL is what html/template writes in place of a URL whose scheme
// could run something when clicked ("javascript:"): a harmless fragment.
const unsafeURL = "#ZgotmplZ"

// safeURL is html/template's URL filter: a relative URL, or one whose
// scheme is http, https or mailto; anything else is replaced by unsafeURL.
func safeURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		if !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
			return unsafeURL
		}
	}
	return s
}

// normalizeURL percent-encodes the bytes a URL must not hold raw (spaces,
// quotes, angle brackets, non-ASCII), keeping reserved characters and valid
// %XX escapes, as html/template's URL normaliser does.
func normalizeURL(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		if written == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// htmlBuf holds HTML being written: raw for the layout, text for values.
type htmlBuf struct{ bytes.Buffer }

func (w *htmlBuf) raw(s string) { w.WriteString(s) }

// text writes a value into text or a quoted attribute.
func (w *htmlBuf) text(s string) { _, _ = htmlEscaper.WriteString(w, s) }

// url writes a value into a URL attribute (href, action, data-src).
func (w *htmlBuf) url(s string) { w.text(normalizeURL(safeURL(s))) }

func (w *htmlBuf) int(n int64) { w.text(strconv.FormatInt(n, 10)) }

// time writes t for a datetime attribute.
func (w *htmlBuf) time(t time.Time) { w.text(t.Format(time.RFC3339)) }

// timeElem writes <time datetime="…">t in zone as layout</time>.
func (w *htmlBuf) timeElem(t time.Time, zone *time.Location, layout string) {
	w.raw(`<time datetime="`)
	w.time(t)
	w.raw(`">`)
	w.text(t.In(zone).Format(layout))
	w.raw(`</time>`)
}

// clock writes a clock's metric and, after the first, its cycle: "next_reply #2".
// ticketCells writes the cells the at-risk and breach rows share, from
// inside the link's href to the opening of the due cell: the ticket's link,
// its team, policy and clock.
func (w *htmlBuf) ticketCells(href, source, ticket, team, policy, metric string, cycle int) {
	w.url(href)
	w.raw(`">`)
	w.text(source)
	w.raw(" ")
	w.text(ticket)
	w.raw("</a></td><td>")
	w.text(team)
	w.raw("</td><td>")
	w.text(policy)
	w.raw("</td><td>")
	w.clock(metric, cycle)
	w.raw("</td>\n<td>")
}

func (w *htmlBuf) clock(metric string, cycle int) {
	w.text(metric)
	if cycle != 0 {
		w.raw(" #")
		w.int(int64(cycle))
	}
}

const dueLayout = "Mon 2 Jan 15:04 MST"

// render writes the page. The layout, literal text included, is the one
// the page has always had; when changing it, change the browser test
// (cmd/slawatch/dashboard_test.go) with it.
func (p *dashboardPage) render(w *htmlBuf) {
	w.raw("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>slawatch — SLA dashboard")
	if p.Team != "" {
		w.raw(" — ")
		w.text(p.Team)
	}
	w.raw("</title>\n<style>")
	w.raw(dashboardCSS) // the bytes the CSP's hash was computed from
	w.raw("</style>\n</head>\n<body>\n<header>\n<h1>slawatch <span>SLA dashboard</span></h1>\n" +
		"<form method=\"get\" action=\"\" class=\"filters\">\n" +
		"<label>Team <select name=\"team\"><option value=\"\">all teams</option>")
	for _, t := range p.Teams {
		w.raw("<option")
		if t == p.Team {
			w.raw(" selected")
		}
		w.raw(">")
		w.text(t)
		w.raw("</option>")
	}
	w.raw("</select></label>\n<label>Period <select name=\"days\">")
	for _, d := range p.DayChoices {
		w.raw(`<option value="`)
		w.int(int64(d))
		w.raw(`"`)
		if d == p.Days {
			w.raw(" selected")
		}
		w.raw(">last ")
		w.int(int64(d))
		w.raw(" days</option>")
	}
	w.raw("</select></label>\n")
	if p.ZoneName != "" {
		w.raw(`<input type="hidden" name="tz" value="`)
		w.text(p.ZoneName)
		w.raw(`">`)
	}
	w.raw("\n<button type=\"submit\">Show</button>\n</form>\n<p class=\"zone\">Times in <span id=\"zone\">")
	w.text(p.Zone.String())
	w.raw("</span>; charts by UTC day, ")
	w.text(p.From)
	w.raw(" to ")
	w.text(p.To)
	w.raw(".</p>\n</header>\n<main>\n")
	if p.Empty {
		p.renderOnboarding(w)
	}
	p.renderAtRisk(w)
	p.renderSummary(w)
	p.renderCharts(w)
	p.renderBreaches(w)
	w.raw("</main>\n<footer><p>slawatch · <a href=\"")
	w.url(p.ReportCSV)
	w.raw("\">report JSON</a> · <a href=\"")
	w.url(p.AtRiskSrc)
	w.raw("\">at-risk JSON</a></p></footer>\n<script>")
	w.raw(dashboardJS) // the bytes the CSP's hash was computed from
	w.raw("</script>\n</body>\n</html>\n")
}

func (p *dashboardPage) renderOnboarding(w *htmlBuf) {
	w.raw("\n<section id=\"onboarding\" class=\"onboarding\">\n<h2>No tickets yet</h2>\n" +
		"<p>slawatch has not received a webhook. Point your helpdesk's webhooks at <code>/webhooks/&lt;source&gt;</code> " +
		"(see the README and docs/helpdesks), or send a first ticket in slawatch's own format from a terminal — with " +
		"<code>make run</code>'s development secret:</p>\n" +
		"<pre><code>body='{\"ticket_id\":\"42\",\"event_id\":\"evt-1\",\"kind\":\"ticket_created\",\"occurred_at\":\"2026-11-23T09:00:00Z\",\"channel\":\"chat\",\"priority\":\"normal\"}'\n" +
		"sig=$(printf %s \"$body\" | openssl dgst -sha256 -hmac dev-secret | sed 's/^.* //')\n" +
		"curl -s -X POST http://")
	w.text(p.Host)
	w.raw("/webhooks/generic \\\n" +
		"  -H 'Content-Type: application/json' \\\n" +
		"  -H \"X-Slawatch-Signature: sha256=$sig\" \\\n" +
		"  -d \"$body\"\n" +
		"# {\"applied\":1,\"duplicates\":0}</code></pre>\n" +
		"<p>Then reload this page: the ticket's first-response clock appears under <em>At risk</em> until an agent answers.</p>\n" +
		"</section>\n")
}

func (p *dashboardPage) renderAtRisk(w *htmlBuf) {
	w.raw("\n<section id=\"at-risk-section\">\n<h2>At risk <small id=\"at-risk-status\" role=\"status\">as of ")
	w.timeElem(p.AtRisk.Now, p.Zone, "15:04:05 MST")
	w.raw("</small></h2>\n<div class=\"scroll\">\n<table id=\"at-risk\" data-src=\"")
	w.url(p.AtRiskSrc)
	w.raw("\" data-refresh=\"")
	w.int(int64(p.Refresh))
	w.raw("\">\n<thead><tr><th>State</th><th>Ticket</th><th>Team</th><th>Policy</th><th>Clock</th><th>Due</th><th>Left</th></tr></thead>\n<tbody>\n")
	for _, it := range p.AtRisk.Tickets {
		w.raw(`<tr class="`)
		w.text(it.State)
		w.raw(`" data-due="`)
		w.time(it.DueAt)
		w.raw(`"`)
		if it.WarningAt != nil {
			w.raw(` data-warn="`)
			w.time(*it.WarningAt)
			w.raw(`"`)
		}
		w.raw(">\n<td><span class=\"state\">")
		switch it.State {
		case "on_track":
			w.raw("on track")
		case "at_risk":
			w.raw("at risk")
		default:
			w.raw("breached")
		}
		w.raw("</span></td>\n<td><a href=\"")
		w.ticketCells(it.Href(), it.Source, it.TicketID, it.Team, it.Policy, it.Metric, it.Cycle)
		w.timeElem(it.DueAt, p.Zone, dueLayout)
		w.raw("</td><td class=\"left\">")
		w.text(formatLeft(it.SecondsLeft))
		w.raw("</td></tr>\n")
	}
	if len(p.AtRisk.Tickets) == 0 {
		w.raw("<tr class=\"none\"><td colspan=\"7\">No running clocks")
		if p.Team != "" {
			w.raw(" for ")
			w.text(p.Team)
		}
		w.raw(".</td></tr>\n")
	}
	w.raw("</tbody>\n</table>\n</div>\n")
	if p.AtRisk.Truncated {
		w.raw("<p class=\"note\">The first ")
		w.int(int64(p.AtRisk.Limit))
		w.raw(" running clocks, in deadline order.</p>")
	}
	w.raw("\n</section>\n\n")
}

// figures writes a summary row's cells after its header.
func (w *htmlBuf) figures(s summaryRow) {
	w.raw("<td>")
	w.int(s.First.Met)
	w.raw("</td><td>")
	w.int(s.First.Breached)
	w.raw("</td><td>")
	w.text(formatPct(s.First.AttainmentPct))
	w.raw("</td><td>")
	w.text(formatMinutes(s.First.BusinessP50Min))
	w.raw("</td><td>")
	w.text(formatMinutes(s.First.BusinessP90Min))
	w.raw("</td><td>")
	w.text(formatPct(s.Next.AttainmentPct))
	w.raw("</td><td>")
	w.text(formatPct(s.Resolution.AttainmentPct))
	w.raw("</td><td>")
	w.text(formatPct(s.Promise.AttainmentPct))
	w.raw("</td></tr>")
}

func (p *dashboardPage) renderSummary(w *htmlBuf) {
	w.raw("<section id=\"summary\">\n<h2>SLA by team, last ")
	w.int(int64(p.Days))
	w.raw(" days</h2>\n<div class=\"scroll\">\n<table>\n" +
		"<thead><tr><th>Team</th><th>First response met</th><th>Breached</th><th>Attainment</th><th>Median</th><th>p90</th>" +
		"<th>Next reply</th><th>Resolution</th><th>Promises kept</th></tr></thead>\n<tbody>\n")
	for _, s := range p.Summary {
		w.raw(`<tr><th scope="row">`)
		w.text(s.Team)
		w.raw("</th>")
		w.figures(s)
		w.raw("\n")
	}
	w.raw("</tbody>\n<tfoot><tr><th scope=\"row\">")
	w.text(p.Total.Team)
	w.raw("</th>")
	w.figures(p.Total)
	w.raw("</tfoot>\n</table>\n</div>\n<p class=\"note\">Median and p90 in business time. <a href=\"")
	w.url(p.ReportCSV)
	w.raw("\" download>Download CSV by team and day</a> · <a href=\"")
	w.url(p.ReportCSV)
	w.raw("&amp;breaches=true\" download>breaches CSV</a></p>\n</section>\n\n")
}

// binTable writes a chart's data as a table, for screen readers and
// for reading exact figures.
func (w *htmlBuf) binTable(head string, rows []binRow) {
	w.raw("\n<details><summary>Table</summary><table><thead><tr><th>")
	w.raw(head)
	w.raw("</th></tr></thead><tbody>")
	for _, r := range rows {
		w.raw("<tr><td>")
		w.text(r.Label)
		w.raw("</td><td>")
		w.int(r.Count)
		w.raw("</td></tr>")
	}
	w.raw("</tbody></table></details></figure>\n")
}

func (p *dashboardPage) renderCharts(w *htmlBuf) {
	// The charts are SVG that package chart has escaped already.
	w.raw("<section class=\"charts\">\n<figure id=\"chart-attainment\"><figcaption>First-response attainment per team</figcaption>")
	w.raw(p.Attainment)
	w.raw("</figure>\n<figure id=\"chart-distribution\"><figcaption>Time to first response (business time)</figcaption>")
	w.raw(p.Distribution)
	w.binTable("Time</th><th>First responses", p.DistTable)
	w.raw("<figure id=\"chart-lateness\"><figcaption>Breaches by lateness</figcaption>")
	w.raw(p.Lateness)
	w.binTable("Late by</th><th>Breaches", p.LateTable)
	w.raw("<figure id=\"chart-promises\"><figcaption>Promises kept per day</figcaption>")
	w.raw(p.Promises)
	w.raw("\n<details><summary>Table</summary><table><thead><tr><th>Day</th><th>Promised</th><th>Kept</th><th>Kept %</th></tr></thead><tbody>")
	for _, r := range p.PromiseTable {
		w.raw("<tr><td>")
		w.text(r.Day)
		w.raw("</td><td>")
		w.int(r.Promised)
		w.raw("</td><td>")
		w.int(r.Kept)
		w.raw("</td><td>")
		w.text(formatPct(r.KeptPct))
		w.raw("</td></tr>")
	}
	w.raw("</tbody></table></details></figure>\n</section>\n\n")
}

func (p *dashboardPage) renderBreaches(w *htmlBuf) {
	w.raw("<section id=\"breaches-section\">\n<h2>Recent breaches</h2>\n<div class=\"scroll\">\n<table id=\"breaches\">\n" +
		"<thead><tr><th>Ticket</th><th>Team</th><th>Policy</th><th>Clock</th><th>Due</th><th>Answered or closed</th><th>Late by</th></tr></thead>\n<tbody>\n")
	for _, b := range p.Breaches {
		w.raw("<tr><td><a href=\"")
		w.ticketCells(b.Href, b.Source, b.Ticket, b.Team, b.Policy, b.Metric, b.Cycle)
		w.timeElem(b.Due, p.Zone, dueLayout)
		w.raw("</td>\n<td>")
		w.timeElem(b.Ended, p.Zone, dueLayout)
		w.raw("</td><td>")
		m := b.LatenessMin
		w.text(formatMinutes(&m))
		w.raw("</td></tr>\n")
	}
	if len(p.Breaches) == 0 {
		w.raw("<tr class=\"none\"><td colspan=\"7\">No breaches since ")
		w.timeElem(p.BreachesFrom, p.Zone, dueLayout)
		w.raw(".</td></tr>\n")
	}
	w.raw("</tbody>\n</table>\n</div>\n")
	if p.BreachesMore {
		w.raw("<p class=\"note\">More breaches than listed here: the full list is in the breaches CSV.</p>")
	}
	w.raw("\n</section>\n")
}
