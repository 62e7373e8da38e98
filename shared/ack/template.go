// Package ack renders the acknowledgement slawatch sends when a customer
// writes in: a message that says the message arrived and promises a
// realistic reply time, computed elsewhere from the team's actual reply
// times and business hours, and handed to the templates as Data.
//
// There are two template classes: "email" (email, web forms, the API and
// tickets of unknown channel: long form) and "realtime" (chat, messaging,
// social, SMS, phone: short; it must fit one 160-character SMS). Templates
// are Go text/template texts executed with missingkey=error. Lint refuses
// templates that blame the customer or the volume of requests, make empty or
// canned promises, or do not state the computed time.
//
// # The acknowledgement marker
//
// Helpdesks echo every message slawatch posts back as a webhook, and the
// adapters must not count it as the team's response (event.Event's
// Acknowledgement). They recognise it by provider.IsAck: the message is by
// the source's ack_author, or its unquoted text contains provider.AckMarker
// ("slawatch:ack"). Render appends the marker to every message, after the
// template's text, so that a custom template cannot drop it:
//
//   - email class: a final paragraph "ref: slawatch:ack". Plain-text email
//     has no invisible place (an HTML comment would show, or be stripped by
//     helpdesks that convert to text); a reference line after the signature
//     is what customers are used to seeing and ignore. It is outside any
//     quotation, so an agent's reply that quotes the acknowledgement is not
//     taken for one (provider.IsAck drops quoted text).
//   - realtime class: a final line "ref: slawatch:ack" too, 18 characters
//     counted in the SMS bound. Chat and messaging platforms (and SMS
//     gateways) may rewrite or trim message text, so the write-back should
//     also post as the source's ack_author wherever the helpdesk allows an
//     author: the marker is the fallback, the author the primary signal.
//
// Render refuses to return a message that provider.IsAck would not
// recognise (a template line "On … wrote:" hides everything after it).
//
// The one-SMS bound (160 GSM 7-bit characters, marker line included) is
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
	"text/template"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
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

// Marker lines Render appends, by class.
const (
	emailMarker    = "\n\nref: " + provider.AckMarker
	realtimeMarker = "\nref: " + provider.AckMarker
)

func markerFor(class string) string {
	if class == ClassRealtime {
		return realtimeMarker
	}
	return emailMarker
}

// Templates holds one parsed template per class. The zero value renders the
// defaults.
type Templates struct {
	text map[string]string
	tmpl map[string]*template.Template
}

var defaults = func() Templates {
	t, err := Parse(nil)
	if err != nil {
		panic(fmt.Sprintf("ack: built-in templates are invalid: %v", err)) // a build defect, caught by tests
	}
	return t
}()

// Default returns the built-in templates, DefaultEmail and DefaultRealtime.
func Default() Templates { return defaults }

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
	t := Templates{text: map[string]string{}, tmpl: map[string]*template.Template{}}
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

func parseTemplate(name, text string) (*template.Template, error) {
	return template.New(name).Option("missingkey=error").Parse(text)
}

// Text returns the source text of the class's template, "" for an unknown
// class.
func (t Templates) Text(class string) string {
	if t.tmpl == nil {
		t = defaults
	}
	return t.text[class]
}

// Render renders the acknowledgement for a ticket on channel, with the
// acknowledgement marker appended (see the package comment).
func (t Templates) Render(channel event.Channel, d Data) (string, error) {
	if t.tmpl == nil {
		t = defaults
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
	out += markerFor(class)
	if !provider.IsAck(provider.Settings{}, "", out) {
		return "", fmt.Errorf("ack: the %s acknowledgement hides its marker %q in quoted text (a line starting with '>' or an \"On … wrote:\" header)", class, provider.AckMarker)
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
// in a newline) so the marker follows the text directly.
func execute(tmpl *template.Template, d Data) (string, error) {
	var b limited
	if err := tmpl.Execute(&b, d); err != nil {
		return "", err
	}
	return strings.TrimRight(b.String(), " \t\r\n"), nil
}
