package store

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/slawatch/slawatch/shared/sla"
)

// A ticket item's state is the ticket's JSON, DEFLATE-compressed with a
// preset dictionary: DynamoDB bills a write 1 unit per KB of the item, and
// a typical ticket's 1–3 KB of JSON — field names and timestamps repeated
// in every event — compresses to a third or less (docs/data-model.md,
// "The ticket's state"). The first byte tells the encodings apart:
//
//	'{'   the JSON itself (items written before this encoding, and
//	      DueItemPut's seeds): still read
//	0x01  raw DEFLATE (RFC 1951) of the JSON, with stateDictV1 as the
//	      preset dictionary
//
// The dictionary is part of the stored format: changing it would make
// every stored ticket unreadable. A better one is a new version byte.
const stateDeflateV1 = 0x01

// stateDictV1 holds the strings a ticket's JSON repeats, the most frequent
// last (DEFLATE reaches them with the shortest distances): a ticket as
// intake stores it, its clocks, alerts, acknowledgement, marks and
// checkpoint, with the engine's own field names and values.
const stateDictV1 = `{"claimed_until":"","attempts":1,"delivered":{"topic":"","writeback":""},"sent_at":"","skipped":"stale","undeliverable","disabled","answered",` +
	`"queue":"","promised_by":"","mean":,"spread":,"position":,"predicted_breach":` +
	`"checkpoint":{"at":"","kind":"","event_id":"","events":,"state":{},"records":[],"seen":""},` +
	`"oncall_acks":{"first_response/0":{"by":"","via":"slack","pagerduty","opsgenie","api","at":""}},` +
	`"outbox":[{"kind":"breach","metric":"first_response","cycle":1,"level":1,"at":"","due_at":"","notify":"on-call","until":"","by":""}],` +
	`"pending":[{"kind":"warning","metric":"next_reply","cycle":1,"level":1,"at":"","due_at":"","notify":"on-call"},{"kind":"escalation","recovered",` +
	`"late_cycles":[],"customer_zone":"Europe/","America/","organization":"","company":"","domain":"","tier":"","tags":[""],` +
	`"stopped_at":"","pauses":[{"from":"","to":""}],"calendar":"","breach":true,"paused":true,` +
	`"fired":{"breach/first_response/0/0":"","warning/","escalation/","/next_reply/"},"ack":{` +
	`"record_at":"","recorded":{"#first_response#0#":"","#next_reply#1#":"","#resolution#0#":"","#promise#0#":""},` +
	`"kind":"ticket_created","kind":"tags_changed","kind":"priority_changed","kind":"internal_note","kind":"status_changed","status":"solved","status":"closed","status":"open","status":"pending","status":"on_hold",` +
	`"channel":"email","channel":"web","channel":"messaging","channel":"phone","channel":"social","channel":"sms","channel":"api","priority":"low","priority":"high","priority":"urgent",` +
	`"author":"bot","acknowledgement":true,"author":"customer","kind":"agent_reply","author":"agent","public":true},` +
	`{"source":"zendesk","source":"freshdesk","source":"intercom","source":"helpscout","source":"front","source":"jira","source":"hubspot","source":"github","source":"generic",` +
	`"ticket_id":"","event_id":"","kind":"customer_message","occurred_at":"20:00Z","author":"customer"},` +
	`{"source":"","ticket_id":"","channel":"chat","priority":"normal","status":"new","policy":"","config_version":"","agent_created":false,` +
	`"first_response":{"started_at":"","target":3600000000000,"due_at":"","responded_at":"","warnings":[""]},"next_reply":null,"next_reply_cycles":0,"next_reply_breaches":0,` +
	`"resolution":{"started_at":"","target":0,"due_at":null,"responded_at":""},"events":[{"source":"","ticket_id":"","event_id":"","kind":"ticket_created","occurred_at":"20","channel":"chat","priority":"normal","author":"customer"}]}`

var (
	stateWriters = sync.Pool{New: func() any {
		w, err := flate.NewWriterDict(io.Discard, flate.DefaultCompression, []byte(stateDictV1))
		if err != nil {
			panic(err) // only for an invalid level
		}
		return w
	}}
	stateReaders sync.Pool // io.ReadCloser implementing flate.Resetter
)

// encodeState returns a ticket's stored state.
func encodeState(t sla.Ticket) ([]byte, error) {
	js, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(js)/2 + 16)
	buf.WriteByte(stateDeflateV1)
	w := stateWriters.Get().(*flate.Writer)
	defer stateWriters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(js); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeState reads a stored state in any of its encodings.
func decodeState(state []byte, t *sla.Ticket) error {
	if len(state) == 0 {
		return errors.New("empty state")
	}
	switch state[0] {
	case '{':
		return json.Unmarshal(state, t)
	case stateDeflateV1:
		js, err := inflate(state[1:])
		if err != nil {
			return fmt.Errorf("inflate state: %w", err)
		}
		return json.Unmarshal(js, t)
	}
	return fmt.Errorf("unknown state encoding 0x%02x", state[0])
}

func inflate(b []byte) ([]byte, error) {
	r, _ := stateReaders.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReaderDict(bytes.NewReader(b), []byte(stateDictV1))
	} else if err := r.(flate.Resetter).Reset(bytes.NewReader(b), []byte(stateDictV1)); err != nil {
		return nil, err
	}
	defer stateReaders.Put(r)
	var out bytes.Buffer
	out.Grow(3 * len(b))
	if _, err := out.ReadFrom(r); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
