// Package ack renders the acknowledgement slawatch sends when a customer
// writes in: a message that says the message arrived and promises a
// realistic reply time, computed elsewhere from the team's actual reply
// times and business hours, and handed to the templates as Data.
//
// There are two template classes: "email" (email, web forms, the API and
// tickets of unknown channel: long form) and "realtime" (chat, messaging,
// social, SMS, phone: short; it must fit one 160-character SMS). Templates
// are Go text/template texts, rendered as text/template renders them with
// missingkey=error by this package's own executor (exec.go), which keeps
// text/template's reflective method lookup out of the binaries. Lint refuses
// templates that blame the customer or the volume of requests, make empty or
// canned promises, or do not state the computed time.
//
// # No marker in what customers read
//
// Helpdesks echo every message slawatch posts back as a webhook, and the
// adapters must not count it as the team's response (event.Event's
// Acknowledgement, decided by provider.IsAck). Render returns exactly the
// template's text: an internal reference such as "ref: slawatch:ack" in a
// customer's email or chat reads as a robot. The echo is recognised
// instead by how each delivery is made:
//
//   - the acknowledgement topic (SNS) hands the text to the team's own
//     mailer or SMS sender; it never enters a helpdesk, so it never echoes
//     back and needs no marker;
//   - helpdesk write-back (package writeback: Zendesk, Freshdesk) posts as
//     the source's ack_author, which the configuration requires with
//     api_url, and appends provider.AckMarkerHTML, an HTML comment, to the
//     HTML body it sends: invisible to the customer, recognised by
//     provider.IsAck in raw bodies outside quoted text.
//
// Lint refuses a template that writes the marker itself.
//
// The one-SMS bound (160 GSM 7-bit characters) is
// checked by Parse with realistic sample data — long day names, time-zone
// abbreviations, "by Wednesday 11:00 (your time)" — not enforced by Render:
// an unusually long team name makes a two-part SMS, which is still
// delivered, rather than no acknowledgement at all.
package ack

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

// The template classes: the keys of Parse's map and of the configuration's
// acknowledgements.templates.
const (
	ClassEmail    = "email"
	ClassRealtime = "realtime"
)

// Classes lists the template classes.
func Classes() []string { return []string{ClassEmail, ClassRealtime} }

// Class returns the template class used for channel.
func Class(ch event.Channel) string {
	if ch.RealTime() {
		return ClassRealtime
	}
	return ClassEmail
}

// Data is what a template is executed with.
type Data struct {
	// Promise is the human text of the reply time, ready to follow "you'll
	// hear from a person": "within 2 hours", "by Tuesday 11:00 (your time)".
	Promise string
	// PromisedBy is the promised instant.
	PromisedBy time.Time
	// ClosedNow: the team is outside its business hours now.
	ClosedNow bool
	// OpensAt says when the team is back when ClosedNow, e.g.
	// "Monday 09:00 EST".
	OpensAt  string
	TeamName string
	TicketID string
	// Channel is the ticket's channel; Render sets it when empty.
	Channel event.Channel
}

// Templates holds one parsed template per class. The zero value renders the
// defaults.
type Templates struct {
	text map[string]string
	tmpl map[string]*program
}

// defaults are parsed on first use, not at init: the acknowledger compiles
// the configuration's templates (built-ins included) at its cold start and
// never renders these, and parsing them at init cost it 4.8 ms and 555 KB
// there (GODEBUG=inittrace=1).
var defaults = sync.OnceValue(func() Templates {
	t, err := Parse(nil)
	if err != nil {
		panic(fmt.Sprintf("ack: built-in templates are invalid: %v", err)) // a build defect, caught by tests
	}
	return t
})

// Default returns the built-in templates, DefaultEmail and DefaultRealtime.
func Default() Templates { return defaults() }

// Parse parses and lints one template per class; a class missing from the
// map gets its built-in template. Keys must be "email" or "realtime". The
// error, if any, joins *LintError values, one per problem.
func Parse(byChannelClass map[string]string) (Templates, error) {
	return ParseWithPhrases(byChannelClass, nil)
}

// ParseWithPhrases is Parse with extra phrases to refuse, on top of the
// built-in list. They are checked in the built-in templates too when a class
// is not given.
func ParseWithPhrases(byChannelClass map[string]string, extraPhrases []string) (Templates, error) {
	var errs []error
	keys := make([]string, 0, len(byChannelClass))
	for k := range byChannelClass {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(Classes(), k) {
			errs = append(errs, &LintError{Template: k, Offset: -1, Msg: fmt.Sprintf("unknown template class (known: %s)", strings.Join(Classes(), ", "))})
		}
	}
	t := Templates{text: map[string]string{}, tmpl: map[string]*program{}}
	for _, class := range Classes() {
		text, ok := byChannelClass[class]
		if !ok {
			text = map[string]string{ClassEmail: DefaultEmail, ClassRealtime: DefaultRealtime}[class]
		}
		if es := lintClass(class, text, extraPhrases); len(es) > 0 {
			errs = append(errs, es...)
			continue
		}
		tmpl, err := parseTemplate(class, text)
		if err != nil { // lintClass parsed it already; cannot happen
			errs = append(errs, err)
			continue
		}
		t.text[class], t.tmpl[class] = text, tmpl
	}
	if len(errs) > 0 {
		return Templates{}, errors.Join(errs...)
	}
	return t, nil
}

// parseTemplate parses text as text/template.New(name).Parse(text) would,
// for the renderer in exec.go, which executes it as text/template would with
// missingkey=error.
func parseTemplate(name, text string) (*program, error) {
	return parseProgram(name, text)
}

// Text returns the source text of the class's template, "" for an unknown
// class.
func (t Templates) Text(class string) string {
	if t.tmpl == nil {
		t = defaults()
	}
	return t.text[class]
}

// Render renders the acknowledgement for a ticket on channel: the text the
// customer reads, with no marker (see the package comment).
func (t Templates) Render(channel event.Channel, d Data) (string, error) {
	if t.tmpl == nil {
		t = defaults()
	}
	if d.Channel == "" {
		d.Channel = channel
	}
	class := Class(channel)
	out, err := execute(t.tmpl[class], d)
	if err != nil {
		return "", fmt.Errorf("ack: rendering the %s acknowledgement: %w", class, err)
	}
	if strings.TrimSpace(out) == "" {
		return "", fmt.Errorf("ack: the %s acknowledgement rendered empty", class)
	}
	return out, nil
}

// maxRendered bounds a rendered acknowledgement; a template that writes
// more (a runaway range) fails instead of filling memory.
const maxRendered = 32 << 10

var errTooLong = fmt.Errorf("the message is longer than %d KiB", maxRendered>>10)

// limited is a strings.Builder that refuses to grow past maxRendered.
type limited struct{ strings.Builder }

func (l *limited) Write(p []byte) (int, error) {
	if l.Len()+len(p) > maxRendered {
		return 0, errTooLong
	}
	return l.Builder.Write(p)
}

// execute runs tmpl and trims trailing white space (YAML block scalars end
// in a newline).
func execute(tmpl *program, d Data) (string, error) {
	var b limited
	if err := tmpl.execute(&b, d); err != nil {
		return "", err
	}
	return strings.TrimRight(b.String(), " \t\r\n"), nil
}
