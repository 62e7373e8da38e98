package ack

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template/parse"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// Category groups the phrases Lint refuses, by what is wrong with them.
type Category string

const (
	// Volume phrases blame the volume of requests — other customers — or an
	// extraordinary busy spell for the wait. The customer hears "you are one
	// of too many", and the excuse replaces the one thing they need: when.
	Volume Category = "volume"
	// Patience phrases ask the customer to absorb the wait ("please be
	// patient", "bear with us") instead of saying how long it is. Thanking
	// someone for patience before they have waited presumes they will.
	Patience Category = "patience"
	// FollowUp phrases blame the customer for writing again ("duplicate
	// tickets will delay your response"). A follow-up is a symptom of a
	// missing promise, not a fault.
	FollowUp Category = "follow-up"
	// Hollow phrases are stock reassurances ("your call is important to
	// us") that customers have learned to read as "you will wait".
	Hollow Category = "hollow"
	// Vague phrases are empty promises: "as soon as possible", "shortly",
	// "in the order received", "next available agent" promise no time, and
	// next to the computed promise they undermine it.
	Vague Category = "vague"
	// Canned phrases are fixed times written into the template ("within 24
	// hours", "in 24-48 hours", "1-2 business days") rather than computed
	// from the team's actual reply times and hours; they are found by
	// pattern, not by list. The template must use {{.Promise}} instead.
	Canned Category = "canned"
	// Extra phrases come from the caller (the configuration's
	// acknowledgements.blame_phrases).
	Extra Category = "extra"
)

var categoryText = map[Category]struct{ label, why string }{
	Volume:   {"blame phrase", "blames the volume of requests for the wait instead of stating when the customer will hear back"},
	Patience: {"blame phrase", "asks the customer to absorb the wait instead of saying how long it is"},
	FollowUp: {"blame phrase", "blames the customer for following up"},
	Hollow:   {"blame phrase", "a stock reassurance customers read as \"you will wait\"; say when they will hear back"},
	Vague:    {"empty promise", "promises no time; the computed {{.Promise}} is the promise"},
	Canned:   {"canned time", "a fixed time written into the template, not computed from the team's reply times and hours; use {{.Promise}}"},
	Extra:    {"blame phrase", "listed in blame_phrases"},
}

// Phrase is one entry of the built-in list.
type Phrase struct {
	Text     string
	Category Category
}

// builtin lists the phrases Lint refuses. Matching ignores case,
// punctuation and runs of white space, needs whole words, and accepts a
// plural "s" on the last word: "high volume" also catches "High-volume" and
// "high volumes". An apology ("we apologize for the inconvenience") is not on
// the list: it blames nobody and promises nothing false; a team that dislikes
// it can add it to blame_phrases.
var builtin = []Phrase{
	// The customer's wait blamed on volume or a busy spell.
	{"we are receiving an unusually high volume of requests", Volume},
	{"unusually high volume", Volume},
	{"unusually high", Volume},
	{"high volume", Volume},
	{"higher volume", Volume},
	{"volume of", Volume}, // "a large volume of requests", "the volume of calls"
	{"call volume", Volume},
	{"due to high demand", Volume},
	{"high demand", Volume},
	{"increased demand", Volume},
	{"higher than usual", Volume},
	{"higher than normal", Volume},
	{"longer than usual", Volume},
	{"longer than normal", Volume},
	{"we are experiencing longer than normal wait times", Volume},
	{"we re experiencing longer than normal wait times", Volume},
	{"longer wait times", Volume},
	{"longer response times", Volume},
	{"experiencing delays", Volume},
	{"busier than usual", Volume},
	{"than usual", Volume},
	{"than normal", Volume},
	{"extremely busy", Volume},
	{"very busy", Volume},
	{"busy period", Volume},
	{"we are receiving too many calls", Volume},
	{"too many", Volume},
	// The wait handed to the customer to bear.
	{"please be patient", Patience},
	{"be patient", Patience},
	{"your patience", Patience},
	{"bear with us", Patience},
	{"sit tight", Patience},
	{"please wait", Patience},
	// Following up treated as the customer's fault.
	{"duplicate tickets", FollowUp},
	{"duplicate requests", FollowUp},
	{"multiple tickets", FollowUp},
	{"delay your", FollowUp},
	{"further delay", FollowUp},
	// Stock reassurance.
	{"your call is important to us", Hollow},
	{"is important to us", Hollow},
	{"is very important to us", Hollow},
	{"valued customer", Hollow},
	// No time at all.
	{"as soon as possible", Vague},
	{"asap", Vague},
	{"as quickly as possible", Vague},
	{"as soon as we can", Vague},
	{"at our earliest convenience", Vague},
	{"earliest opportunity", Vague},
	{"in due course", Vague},
	{"with you shortly", Vague},
	{"to you shortly", Vague},
	{"reply shortly", Vague},
	{"respond shortly", Vague},
	{"back to you soon", Vague},
	{"next available agent", Vague},
	{"first available agent", Vague},
	{"when an agent becomes available", Vague},
	{"in the order received", Vague},
	{"in the order it was received", Vague},
	{"in the order they were received", Vague},
	{"in the order in which", Vague},
}

// Phrases returns the built-in phrase list (canned times are matched by
// pattern and are not in it).
func Phrases() []Phrase { return slices.Clone(builtin) }

// Canned times, matched on normalised text (lower case, words separated by
// single spaces). Numbers spelled out count.
var (
	qty    = `(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty four|forty eight|seventy two|twenty|thirty|a few|a couple of|a couple|few|several|a|an)`
	unit   = `(?:business |working |calendar )?(?:minute|min|hour|hr|day|week)`
	canned = []*regexp.Regexp{
		// within 24 hours, in 24-48 hours, in 1-2 business days, within one business day
		regexp.MustCompile(`\b(?:within|in|under|inside|up to|no later than)(?: the next| the)? ` + qty + `(?: (?:to|or) ` + qty + `| \d+)? ` + unit + `s?\b`),
		// 24-48 hours, 1 to 2 business days
		regexp.MustCompile(`\b\d+ (?:to |or )?\d+ ` + unit + `s?\b`),
		// within the hour, within the next day
		regexp.MustCompile(`\bwithin the (?:next )?(?:hour|day|week)\b`),
		// 24-hour response, one business day turnaround
		regexp.MustCompile(`\b` + qty + ` ` + unit + `s? (?:response|turnaround|reply)`),
	}
)

// Normalize returns s as phrases are matched: lower case, every run of
// characters other than letters and digits one space, trimmed. A phrase that
// normalises to "" can never match.
func Normalize(s string) string { return normalize(s).s }

// normText is normalised text with, for each of its bytes, the span of the
// original text it came from.
type normText struct {
	s          string
	start, end []int
}

func normalize(s string) normText {
	var (
		b          []byte
		start, end []int
		sep        = -1 // offset where a pending separator run began
	)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if sep >= 0 && len(b) > 0 {
				b = append(b, ' ')
				start, end = append(start, sep), append(end, i)
			}
			sep = -1
			n := len(b)
			b = utf8.AppendRune(b, unicode.ToLower(r))
			for range len(b) - n {
				start, end = append(start, i), append(end, i+size)
			}
		} else if sep < 0 {
			sep = i
		}
		i += size
	}
	return normText{string(b), start, end}
}

// hit is one phrase found in a text.
type hit struct {
	key      string // the listed phrase, or the normalised canned match
	category Category
	found    string // the text as written
	offset   int    // in the template text; -1: found only in rendered output
	a, b     int    // span in the normalised text
}

type matcher struct {
	phrases []Phrase // normalised
}

func newMatcher(extra []string) matcher {
	m := matcher{}
	seen := map[string]bool{}
	add := func(text string, c Category) {
		n := Normalize(text)
		if n == "" || seen[n] {
			return
		}
		seen[n] = true
		m.phrases = append(m.phrases, Phrase{n, c})
	}
	for _, p := range builtin {
		add(p.Text, p.Category)
	}
	for _, p := range extra {
		add(p, Extra)
	}
	return m
}

// find returns the phrases in text, longest first where matches overlap;
// base is text's offset in the template (-1: not from the template).
func (m matcher) find(text string, base int) []hit {
	nt := normalize(text)
	padded := " " + nt.s + " "
	var all []hit
	mk := func(key string, c Category, a, b int) hit {
		h := hit{key: key, category: c, a: a, b: b, offset: -1}
		h.found = text[nt.start[a]:nt.end[b-1]]
		if base >= 0 {
			h.offset = base + nt.start[a]
		}
		return h
	}
	for _, p := range m.phrases {
		for from := 0; ; {
			i := strings.Index(padded[from:], " "+p.Text)
			if i < 0 {
				break
			}
			i += from
			after := i + 1 + len(p.Text)
			switch {
			case padded[after] == ' ':
				all = append(all, mk(p.Text, p.Category, i, i+len(p.Text)))
			case padded[after] == 's' && padded[after+1] == ' ':
				all = append(all, mk(p.Text, p.Category, i, i+len(p.Text)+1))
			}
			from = i + 1
		}
	}
	for _, re := range canned {
		for _, loc := range re.FindAllStringIndex(nt.s, -1) {
			all = append(all, mk(nt.s[loc[0]:loc[1]], Canned, loc[0], loc[1]))
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].b-all[i].a > all[j].b-all[j].a })
	var kept []hit
	for _, h := range all {
		if !slices.ContainsFunc(kept, func(k hit) bool { return h.a < k.b && k.a < h.b }) {
			kept = append(kept, h)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].a < kept[j].a })
	return kept
}

// LintError is one problem with a template.
type LintError struct {
	Template string // the template's name (its class, for Parse)
	// Phrase is the refused phrase as listed (or the canned time,
	// normalised), for phrase problems.
	Phrase string
	// Offset is the byte offset in the template text where the problem
	// is, or -1 when it has no single place.
	Offset int
	Msg    string
}

func (e *LintError) Error() string { return fmt.Sprintf("template %q: %s", e.Template, e.Msg) }

// Sample data: realistic, for executing and measuring; two promises per
// state, differing in every part, to see that the time reaches the text.
var (
	sampleOpen = []Data{
		{Promise: "within 1 hour", PromisedBy: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), TeamName: "Northwind Support", TicketID: "#184302"},
		{Promise: "within 45 minutes", PromisedBy: time.Date(2027, 12, 24, 16, 45, 30, 0, time.UTC), TeamName: "Northwind Support", TicketID: "#184302"},
	}
	sampleClosed = []Data{
		{Promise: "by Wednesday 11:00 (your time)", PromisedBy: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), ClosedNow: true, OpensAt: "Wednesday 09:00 AEDT", TeamName: "Northwind Support", TicketID: "#184302"},
		{Promise: "by Thursday 10:30 (your time)", PromisedBy: time.Date(2027, 12, 30, 23, 30, 15, 0, time.UTC), ClosedNow: true, OpensAt: "Wednesday 09:00 AEDT", TeamName: "Northwind Support", TicketID: "#184302"},
	}
	// opaque replaces the strings with tokens no phrase can contain, to
	// search the rendered text for phrases the template itself writes.
	opaque = Data{Promise: "zzpromisezz", PromisedBy: sampleOpen[0].PromisedBy, OpensAt: "zzopensatzz", TeamName: "zzteamzz", TicketID: "zzticketzz"}
)

var dataFields = func() []string {
	t := reflect.TypeFor[Data]()
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Name
	}
	return out
}()

// Lint checks a template: it must parse; name only fields of Data; state
// the time ({{.Promise}} or {{.PromisedBy}}, whether the team is open or
// closed); execute with sample data on every channel; and contain none of
// the built-in phrases or extraPhrases. name labels the errors.
func Lint(name, text string, extraPhrases []string) []error {
	return lint(name, text, extraPhrases, event.Channels())
}

var classChannels = map[string][]event.Channel{
	ClassEmail:    {event.Email, event.Web, event.API, ""},
	ClassRealtime: {event.Chat, event.Messaging, event.Social, event.Phone, event.SMS},
}

// lintClass is Lint for a template of a class, plus the class's checks: no
// internal marker for the customer to read, and a realtime message fits one
// SMS.
func lintClass(class, text string, extraPhrases []string) []error {
	chans, ok := classChannels[class]
	if !ok {
		chans = event.Channels()
	}
	errs := lint(class, text, extraPhrases, chans)
	if len(errs) > 0 {
		return errs
	}
	tmpl, _ := parseTemplate(class, text)
	fail := func(msg string, args ...any) {
		errs = append(errs, &LintError{Template: class, Offset: -1, Msg: fmt.Sprintf(msg, args...)})
	}
	for _, d := range []Data{sampleOpen[0], sampleClosed[0]} {
		d.Channel = chans[len(chans)-1] // sms for realtime
		out, err := execute(tmpl, d)
		if err != nil {
			continue // reported by lint
		}
		if strings.Contains(strings.ToLower(out), provider.AckMarker) {
			fail("writes the internal marker %q, which customers would read: slawatch recognises its acknowledgements without it (the write-back's author and an HTML comment)", provider.AckMarker)
			break
		}
		if class != ClassRealtime {
			continue
		}
		if r, ok := nonGSM(out); ok {
			fail("%q is not in the GSM 7-bit SMS alphabet: the SMS would go as UCS-2, 70 characters a part; use plain quotes and hyphens", string(r))
			break
		}
		if n := gsmLen(out); n > smsLimit {
			fail("too long for one SMS: %d characters with sample data (limit %d): %q", n, smsLimit, out)
			break
		}
	}
	return errs
}

func lint(name, text string, extraPhrases []string, chans []event.Channel) []error {
	var errs []error
	fail := func(offset int, phrase, msg string, args ...any) {
		errs = append(errs, &LintError{Template: name, Phrase: phrase, Offset: offset, Msg: fmt.Sprintf(msg, args...)})
	}
	tmpl, err := parseTemplate(name, text)
	if err != nil {
		line, msg := templateLine(name, err)
		fail(lineOffset(text, line), "", "does not parse: %s", msg)
		return errs
	}
	w := &walker{}
	for _, t := range tmpl.walkOrder() {
		if t.Root != nil {
			main := t.Name == name
			w.main = main
			w.node(t.Root, main)
		}
	}
	for _, u := range w.unknown {
		fail(u.pos, "", "unknown field .%s (known: %s)", u.name, strings.Join(dataFields, ", "))
	}
	if !w.refsTime {
		fail(-1, "", "does not state the reply time: use {{.Promise}} (\"you'll hear from a person {{.Promise}}\") or {{.PromisedBy}}")
	}

	m := newMatcher(extraPhrases)
	reported := map[string]bool{}
	report := func(h hit) {
		if reported[h.key] {
			return
		}
		reported[h.key] = true
		ct := categoryText[h.category]
		shown, as := h.key, ""
		switch {
		case h.category == Canned:
			shown = h.found // the pattern's match: show it as written
		case !strings.EqualFold(h.found, h.key):
			as = fmt.Sprintf(" (written %q)", h.found)
		}
		fail(h.offset, h.key, "%s %q%s: %s", ct.label, shown, as, ct.why)
	}
	for _, t := range w.texts {
		for _, h := range m.find(t.text, t.pos) {
			report(h)
		}
	}
	if len(w.unknown) > 0 {
		return errs // execution would only repeat them
	}

	// Execution stops at the first failure: a runaway template (deep
	// recursion) costs its time once, not once per channel.
exec:
	for _, ch := range chans {
		for _, state := range [][]Data{sampleOpen, sampleClosed} {
			var outs []string
			for _, d := range state {
				d.Channel = ch
				out, err := execute(tmpl, d)
				if err != nil {
					line, msg := templateLine(name, err)
					fail(lineOffset(text, line), "", "fails with sample data (%s, channel %q): %s", stateName(d.ClosedNow), ch, msg)
					break exec
				}
				outs = append(outs, out)
			}
			if len(outs) == 2 && outs[0] == outs[1] && w.refsTime && !reported["\x00time"+stateName(state[0].ClosedNow)] {
				reported["\x00time"+stateName(state[0].ClosedNow)] = true
				fail(-1, "", "does not state the reply time when the team is %s (ClosedNow %v, channel %q): {{.Promise}} or {{.PromisedBy}} must reach the text in every case", stateName(state[0].ClosedNow), state[0].ClosedNow, ch)
			}
			d := opaque
			d.Channel, d.ClosedNow = ch, state[0].ClosedNow
			if out, err := execute(tmpl, d); err == nil {
				for _, h := range m.find(out, -1) {
					report(h)
				}
			}
		}
	}
	return errs
}

func stateName(closed bool) string {
	if closed {
		return "closed"
	}
	return "open"
}

// templateLine splits a text/template error "template: NAME:LINE[:COL]: MSG"
// into the line and a message that keeps the line; line 0 when it has none.
func templateLine(name string, err error) (int, string) {
	s := strings.TrimPrefix(err.Error(), "template: "+name+":")
	if s == err.Error() {
		return 0, s
	}
	num, rest, ok := strings.Cut(s, ":")
	line, e := strconv.Atoi(num)
	if !ok || e != nil {
		return 0, err.Error()
	}
	if col, r, ok := strings.Cut(rest, ":"); ok {
		if _, e := strconv.Atoi(col); e == nil {
			rest = r
		}
	}
	return line, fmt.Sprintf("line %d of the template: %s", line, strings.TrimSpace(rest))
}

// lineOffset returns the offset of the start of line (1-based), or -1.
func lineOffset(text string, line int) int {
	if line < 1 {
		return -1
	}
	off := 0
	for range line - 1 {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off
}

type textAt struct {
	text string
	pos  int
}

type fieldAt struct {
	name string
	pos  int
}

// walker visits a parsed template: the text it writes, the fields of Data
// it names while dot is the Data, and whether it names the time.
type walker struct {
	main     bool // walking the main template, where $ is the Data
	refsTime bool
	unknown  []fieldAt
	texts    []textAt
}

// node walks n; root says dot is the template's Data.
func (w *walker) node(n parse.Node, root bool) {
	switch n := n.(type) {
	case nil:
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c, root)
		}
	case *parse.TextNode:
		w.texts = append(w.texts, textAt{string(n.Text), int(n.Pos)})
	case *parse.StringNode:
		w.texts = append(w.texts, textAt{n.Text, int(n.Pos) + 1})
	case *parse.ActionNode:
		w.pipe(n.Pipe, root)
	case *parse.IfNode:
		w.pipe(n.Pipe, root)
		w.list(n.List, root)
		w.list(n.ElseList, root)
	case *parse.RangeNode:
		w.pipe(n.Pipe, root)
		w.list(n.List, false)
		w.list(n.ElseList, root)
	case *parse.WithNode:
		w.pipe(n.Pipe, root)
		w.list(n.List, false)
		w.list(n.ElseList, root)
	case *parse.TemplateNode:
		w.pipe(n.Pipe, root)
	case *parse.PipeNode:
		w.pipe(n, root)
	case *parse.CommandNode:
		for _, a := range n.Args {
			w.node(a, root)
		}
	case *parse.ChainNode:
		w.node(n.Node, root)
	case *parse.FieldNode:
		if root {
			w.field(n.Ident[0], int(n.Pos))
		}
	case *parse.VariableNode:
		if w.main && len(n.Ident) > 1 && n.Ident[0] == "$" {
			w.field(n.Ident[1], int(n.Pos))
		}
	}
}

func (w *walker) list(l *parse.ListNode, root bool) {
	if l != nil {
		w.node(l, root)
	}
}

func (w *walker) pipe(p *parse.PipeNode, root bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		w.node(c, root)
	}
}

func (w *walker) field(name string, pos int) {
	switch {
	case name == "Promise" || name == "PromisedBy":
		w.refsTime = true
	case !slices.Contains(dataFields, name):
		w.unknown = append(w.unknown, fieldAt{name, pos})
	}
}

// SMS: one part holds 160 septets of the GSM 03.38 alphabet; characters of
// its extension table take two.
const smsLimit = 160

const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExt   = "^{}\\[~]|€\f"
)

func nonGSM(s string) (rune, bool) {
	for _, r := range s {
		if !strings.ContainsRune(gsmBasic, r) && !strings.ContainsRune(gsmExt, r) {
			return r, true
		}
	}
	return 0, false
}

func gsmLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if strings.ContainsRune(gsmExt, r) {
			n++
		}
	}
	return n
}
