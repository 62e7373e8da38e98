package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
)

// stateDictV1SHA256 pins the dictionary: every stored ticket was
// compressed with it, so a change, however small, makes them unreadable.
// A better dictionary is a new version byte beside this one.
const stateDictV1SHA256 = "d4df2841cd6322f5eb0cb8343030567b749b1e41cb4058f021dbc29be2087341"

func TestStateDictionaryFrozen(t *testing.T) {
	sum := sha256.Sum256([]byte(stateDictV1))
	if got := hex.EncodeToString(sum[:]); got != stateDictV1SHA256 {
		t.Fatalf("stateDictV1 changed (SHA-256 %s): tickets stored with it could no longer be read; keep it and add a new encoding version instead", got)
	}
}

// TestDecodeStateFromZlib decodes a state compressed by another DEFLATE
// implementation (Python's zlib: compressobj(9, DEFLATED, -15, zdict=the
// dictionary), with the version byte in front): the stored format is
// plain RFC 1951 with a preset dictionary, not whatever this package's
// encoder happens to write.
func TestDecodeStateFromZlib(t *testing.T) {
	blob, err := base64.StdEncoding.DecodeString("AcOaP5CdZYm1mMHM6ugFGDxlFBCdDNCjiLxIwxbUuL2GFOSpuoYkhLqRma6hka6BYYiBhZUxLM8RE1BYowEA")
	if err != nil {
		t.Fatal(err)
	}
	var tk sla.Ticket
	if err := decodeState(blob, &tk); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)
	if tk.Source != "zendesk" || tk.ID != "9" || tk.Priority != event.High || tk.Status != event.Open || len(tk.Events) != 1 ||
		tk.Events[0].ID != "e-1" || !tk.Events[0].OccurredAt.Equal(at) || tk.Events[0].Channel != event.Email {
		t.Errorf("decoded %+v", tk)
	}
}

// TestStateRoundTrip: tickets of every shape come back as they were
// stored (compared as JSON, the engine's own encoding), and the states
// written before compression (plain JSON) are still read.
func TestStateRoundTrip(t *testing.T) {
	cfg := policy.Default()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tickets := []sla.Ticket{sla.New("generic", "empty")}
	tk := sla.New("github", "owner/repo#42")
	for i := range 300 { // past a compaction: a checkpoint with seen hashes
		e := event.Event{Source: "github", TicketID: tk.ID, ID: fmt.Sprintf("delivery-%d-ü", i), OccurredAt: t0.Add(time.Duration(i) * time.Minute),
			Kind: event.CustomerMessage, Author: event.Customer, Tags: []string{"vip", strings.Repeat("t", i%40)}}
		if i == 0 {
			e.Kind, e.Channel, e.CustomerZone = event.TicketCreated, event.Web, "Europe/Paris"
		} else if i%2 == 1 {
			e.Kind, e.Author, e.Public = event.AgentReply, event.Agent, true
		}
		var err error
		if tk, _, err = sla.Apply(cfg, tk, e); err != nil {
			t.Fatal(err)
		}
		if i == 3 || i == 299 {
			tickets = append(tickets, tk)
		}
	}
	if tickets[len(tickets)-1].Checkpoint == nil {
		t.Fatal("the long ticket was never compacted")
	}
	for _, want := range tickets {
		js, _ := json.Marshal(want)
		enc, err := encodeState(want)
		if err != nil {
			t.Fatal(err)
		}
		for _, stored := range [][]byte{enc, js} {
			var got sla.Ticket
			if err := decodeState(stored, &got); err != nil {
				t.Fatalf("%s (%d events): %v", want.ID, len(want.Events), err)
			}
			if back, _ := json.Marshal(got); string(back) != string(js) {
				t.Errorf("%s: round trip differs:\n got %s\nwant %s", want.ID, back, js)
			}
		}
		t.Logf("%s, %d events: JSON %d bytes, stored %d", want.ID, len(want.Events), len(js), len(enc))
		if len(enc) >= len(js)/2 {
			t.Errorf("%s: stored %d bytes for %d of JSON: less than half expected", want.ID, len(enc), len(js))
		}
	}
}

// TestDecodeStateRefuses: what this version did not write is an error,
// never a panic or an empty ticket.
func TestDecodeStateRefuses(t *testing.T) {
	good, err := encodeState(sla.New("generic", "1"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"empty":             nil,
		"unknown version":   append([]byte{0x02}, good[1:]...),
		"truncated":         good[:len(good)/2],
		"not deflate":       {0x01, 0xff, 0xff, 0xff},
		"deflate, not JSON": {0x01, 0x03, 0x00},
	} {
		var tk sla.Ticket
		if err := decodeState(b, &tk); err == nil {
			t.Errorf("%s: decoded as %+v", name, tk)
		}
	}
}

// BenchmarkTicketState stores and reads a four-webhook ticket: the JSON
// alone (the encoding before) is the baseline of the compressed state.
func BenchmarkTicketState(b *testing.B) {
	cfg := policy.Default()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tk := sla.New("zendesk", "123456")
	for i, k := range []event.Kind{event.TicketCreated, event.CustomerMessage, event.AgentReply, event.StatusChanged} {
		e := event.Event{Source: "zendesk", TicketID: tk.ID, ID: fmt.Sprintf("01JDXK%020d", i), Kind: k, OccurredAt: t0.Add(time.Duration(i) * 7 * time.Minute),
			Author: event.Customer, Channel: event.Email, Priority: event.Normal}
		if k == event.AgentReply {
			e.Author, e.Public = event.Agent, true
		}
		if k == event.StatusChanged {
			e.Author, e.Status = event.Agent, event.Solved
		}
		tk, _, _ = sla.Apply(cfg, tk, e)
	}
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			js, _ := json.Marshal(tk)
			var back sla.Ticket
			if err := json.Unmarshal(js, &back); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(js)), "bytes")
		}
	})
	b.Run("deflate", func(b *testing.B) {
		for b.Loop() {
			enc, _ := encodeState(tk)
			var back sla.Ticket
			if err := decodeState(enc, &back); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(enc)), "bytes")
		}
	})
}
