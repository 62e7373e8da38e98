// Package generic implements slawatch's own webhook format: canonical events
// as JSON, signed with X-Slawatch-Signature: sha256=<hex HMAC-SHA256(secret,
// raw body)>. It is the format for helpdesks without an adapter, scripts and
// tests.
package generic

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// SignatureHeader carries the body's HMAC.
const SignatureHeader = "X-Slawatch-Signature"

// Adapter is the generic provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

var signature = provider.Signature{Header: SignatureHeader, Prefix: "sha256=", Hash: provider.SHA256, Encoding: provider.Hex}

// Sign returns the X-Slawatch-Signature value for body.
func Sign(secret, body []byte) string { return signature.Sign(secret, body) }

// Verify checks X-Slawatch-Signature in constant time.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return signature.Verify(r.Header, s.Secret, r.Body)
}

// wire is the JSON form of one event; times are parsed by hand so that an
// error names its field.
type wire struct {
	Source          string   `json:"source"`
	TicketID        string   `json:"ticket_id"`
	EventID         string   `json:"event_id"`
	Kind            string   `json:"kind"`
	OccurredAt      string   `json:"occurred_at"`
	Channel         string   `json:"channel"`
	Priority        string   `json:"priority"`
	Status          string   `json:"status"`
	Tags            []string `json:"tags"`
	Author          string   `json:"author"`
	Public          bool     `json:"public"`
	Acknowledgement bool     `json:"acknowledgement"`
	CustomerZone    string   `json:"customer_zone"`
	Organization    string   `json:"organization"`
	Company         string   `json:"company"`
	Domain          string   `json:"domain"`
}

// Parse reads one event object or an array of them. A "source" in the body
// must match the source the request was posted to.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	evs, err := parse(r.Body, s.Source)
	return provider.Result{Events: evs}, err
}

func parse(b []byte, source string) ([]event.Event, error) {
	body := bytes.TrimSpace(b)
	var ws []wire
	var err error
	switch {
	case len(body) > 0 && body[0] == '[':
		err = provider.DecodeJSON(body, &ws, true)
	case len(body) > 0 && body[0] == '{':
		var w wire
		err = provider.DecodeJSON(body, &w, true)
		ws = []wire{w}
	default:
		return nil, &provider.ParseError{Err: errors.New("body must be a JSON object or array of objects")}
	}
	if err != nil {
		return nil, err
	}
	if len(ws) == 0 {
		return nil, &provider.ParseError{Err: errors.New("no events in the array")}
	}
	out := make([]event.Event, 0, len(ws))
	for i, w := range ws {
		at := func(field string) string {
			if len(ws) == 1 && body[0] == '{' {
				return field
			}
			return fmt.Sprintf("[%d].%s", i, field)
		}
		if w.Source != "" && w.Source != source {
			return nil, &provider.ParseError{Field: at("source"), Err: fmt.Errorf("%q does not match the source in the URL (%q)", w.Source, source)}
		}
		var occurred time.Time
		if w.OccurredAt != "" {
			if occurred, err = time.Parse(time.RFC3339Nano, w.OccurredAt); err != nil {
				return nil, &provider.ParseError{Field: at("occurred_at"), Err: fmt.Errorf("%q is not an RFC 3339 time", w.OccurredAt)}
			}
		}
		e := event.Event{
			Source: source, TicketID: w.TicketID, ID: w.EventID, Kind: event.Kind(w.Kind), OccurredAt: occurred,
			Channel: event.Channel(w.Channel), Priority: event.Priority(w.Priority), Status: event.Status(w.Status),
			Tags: w.Tags, Author: event.Role(w.Author), Public: w.Public, Acknowledgement: w.Acknowledgement,
			CustomerZone: w.CustomerZone, Organization: w.Organization, Company: w.Company,
			// Any case is accepted; the event keeps the domain lower-case.
			Domain: strings.ToLower(w.Domain),
		}
		if e.Author == "" {
			e.Author = defaultAuthor(e.Kind)
		}
		if err := e.Validate(); err != nil {
			field, msg, _ := strings.Cut(strings.TrimPrefix(err.Error(), event.ErrInvalid.Error()+": "), ": ")
			return nil, &provider.ParseError{Field: at(field), Err: errors.New(msg)}
		}
		out = append(out, e)
	}
	return out, nil
}

// defaultAuthor fills in the obvious author so that minimal events work.
func defaultAuthor(k event.Kind) event.Role {
	switch k {
	case event.TicketCreated, event.CustomerMessage:
		return event.Customer
	}
	return ""
}
