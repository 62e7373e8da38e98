package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"
)

// Formats a report can be written in.
const (
	FormatTable = "table"
	FormatCSV   = "csv"
	FormatJSON  = "json"
)

// columnName is a dimension's column: day and week say they are UTC.
func columnName(d Dimension) string {
	switch d {
	case Day:
		return "day_utc"
	case Week:
		return "week_utc"
	}
	return string(d)
}

// figureColumns are the CSV columns of one metric's figures, after a prefix
// (first_response_, next_reply_).
var figureColumns = []string{"met", "breached", "not_needed", "attainment_pct", "answered",
	"business_p50_min", "business_p90_min", "calendar_p50_min", "calendar_p90_min",
	"late_lt_15m", "late_15m_1h", "late_1h_4h", "late_4h_24h", "late_ge_24h"}

func (f Figures) csv() []string {
	out := []string{itoa(f.Met), itoa(f.Breached), itoa(f.NotNeeded), num(f.AttainmentPct), itoa(f.Answered),
		num(f.BusinessP50Min), num(f.BusinessP90Min), num(f.CalendarP50Min), num(f.CalendarP90Min)}
	for _, c := range f.BreachesByLateness.counts() {
		out = append(out, itoa(c))
	}
	return out
}

// promiseColumns are the CSV columns of the promise figures, after
// "promise_": kept, broken, the kept-rate, and how late the broken ones
// were.
var promiseColumns = []string{"kept", "broken", "kept_pct",
	"late_lt_15m", "late_15m_1h", "late_1h_4h", "late_4h_24h", "late_ge_24h"}

func (f Figures) promiseCSV() []string {
	out := []string{itoa(f.Met), itoa(f.Breached), num(f.AttainmentPct)}
	for _, c := range f.BreachesByLateness.counts() {
		out = append(out, itoa(c))
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// num writes a figure plainly (no exponent, no unit) so spreadsheets read
// it as a number; nil is an empty cell.
func num(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// CSVHeader is the header row WriteCSV writes for a report grouped by by.
func CSVHeader(by []Dimension) []string {
	var h []string
	for _, d := range by {
		h = append(h, columnName(d))
	}
	for _, m := range []string{"first_response_", "next_reply_"} {
		for _, c := range figureColumns {
			h = append(h, m+c)
		}
	}
	for _, c := range promiseColumns {
		h = append(h, "promise_"+c)
	}
	// Last, so that the columns before keep their places.
	for _, c := range figureColumns {
		h = append(h, "resolution_"+c)
	}
	return h
}

// WriteCSV writes the report's rows as CSV (RFC 4180): a header row, then
// one row per group; durations in minutes, attainment in percent, empty
// where there is nothing to compute. The total is not a row, so that a
// spreadsheet's sums over the column stay right.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	if err := cw.Write(CSVHeader(r.By)); err != nil {
		return err
	}
	for _, row := range r.Rows {
		var rec []string
		for _, d := range r.By {
			rec = append(rec, row.Group[d])
		}
		rec = append(rec, row.FirstResponse.csv()...)
		rec = append(rec, row.NextReply.csv()...)
		rec = append(rec, row.Promise.promiseCSV()...)
		rec = append(rec, row.Resolution.csv()...)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// BreachCSVHeader is the header row of WriteBreachesCSV.
var BreachCSVHeader = []string{"source", "ticket_id", "metric", "cycle", "policy", "team", "due", "ended", "lateness_min", "ticket_url"}

// WriteBreachesCSV writes the breached clocks as CSV: a header row, then
// one row per breach, times in RFC 3339 in the report's zone.
func (r *Report) WriteBreachesCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(BreachCSVHeader); err != nil {
		return err
	}
	for _, b := range r.Breaches {
		if err := cw.Write([]string{b.Source, b.Ticket, b.Metric, strconv.Itoa(b.Cycle), b.Policy, b.Team,
			b.Due.Format(time.RFC3339), b.Ended.Format(time.RFC3339), num(&b.LatenessMin), b.URL}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes the report for people: aligned columns, durations as
// 1h20m, then the breaches when listed and the notes.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "SLA report %s to %s (%s)", r.From, r.To, r.Zone)
	if len(r.By) > 0 {
		fmt.Fprintf(w, ", by %s", joinDims(r.By))
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, d := range r.By {
		fmt.Fprintf(tw, "%s\t", columnName(d))
	}
	fmt.Fprint(tw, "first resp.\tmet\tbreached\tnot needed\tp50 business\tp90 business\tp50 calendar\tp90 calendar\tnext reply\tmet\tbreached\tlate <15m\t15m-1h\t1h-4h\t4h-24h\t>=24h\tresolution\tmet\tbreached\tp50 business\tp90 business\tpromises\tkept\tbroken\n")
	rows := append(r.Rows[:len(r.Rows):len(r.Rows)], r.Total)
	for i, row := range rows {
		for _, d := range r.By {
			v := row.Group[d]
			switch {
			case i == len(rows)-1 && d == r.By[0]:
				v = "TOTAL"
			case i == len(rows)-1:
				v = ""
			case v == "":
				v = "-"
			}
			fmt.Fprintf(tw, "%s\t", v)
		}
		if len(r.By) == 0 && i < len(rows)-1 {
			continue // the total is the only row
		}
		f, n := row.FirstResponse, row.NextReply
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d", pct(f.AttainmentPct), f.Met, f.Breached, f.NotNeeded,
			dur(f.BusinessP50Min), dur(f.BusinessP90Min), dur(f.CalendarP50Min), dur(f.CalendarP90Min),
			pct(n.AttainmentPct), n.Met, n.Breached)
		fl, nl := f.BreachesByLateness.counts(), n.BreachesByLateness.counts()
		for j := range fl {
			fmt.Fprintf(tw, "\t%d", fl[j]+nl[j])
		}
		p := row.Promise
		s := row.Resolution
		fmt.Fprintf(tw, "\t%s\t%d\t%d\t%s\t%s", pct(s.AttainmentPct), s.Met, s.Breached, dur(s.BusinessP50Min), dur(s.BusinessP90Min))
		fmt.Fprintf(tw, "\t%s\t%d\t%d\n", pct(p.AttainmentPct), p.Met, p.Breached)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprint(w, "(attainment = met / (met + breached); times to first response; lateness: breaches of both reply metrics;\n"+
		" resolution: solved by the deadline, times to solve in business hours;\n"+
		" promises = kept / (kept + broken), of acknowledgements sent before the first reply; a broken promise is no breach)\n")
	if r.Breaches != nil {
		fmt.Fprintf(w, "\nbreaches (%d)\n", len(r.Breaches))
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprint(tw, "ended\tlate by\tsource\tticket\tmetric\tpolicy\tteam\tlink\n")
		for _, b := range r.Breaches {
			metric := b.Metric
			if b.Cycle > 0 {
				metric += " #" + strconv.Itoa(b.Cycle)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Ended.Format("2006-01-02 15:04 MST"), dur(&b.LatenessMin),
				b.Source, b.Ticket, metric, b.Policy, dash(b.Team), dash(b.URL))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func joinDims(ds []Dimension) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += ","
		}
		s += string(d)
	}
	return s
}

func pct(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64) + "%"
}

// dur writes minutes as a duration rounded to the minute (to the second
// under ten minutes).
func dur(p *float64) string {
	if p == nil {
		return "-"
	}
	d := time.Duration(*p * float64(time.Minute))
	if d < 10*time.Minute {
		return d.Round(time.Second).String()
	}
	s := d.Round(time.Minute).String()
	return s[:len(s)-2] // "1h20m0s" → "1h20m"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
