package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeAcknowledgesAndReports drives the local server: a chat ticket
// created 15 minutes ago is acknowledged once (its created webhook arrives
// twice) with what is left of the 1-hour target, the agent answers ten
// minutes after creation, and `slawatch report` shows the promise kept in
// each of the ticket's queues.
func TestServeAcknowledgesAndReports(t *testing.T) {
	t.Setenv("SLAWATCH_GENERIC_SECRET", "k")
	s := startServer(t, "--check-every", "1s")
	now := time.Now().UTC()
	created := fmt.Sprintf(`{"ticket_id":"7","event_id":"c7","kind":"ticket_created","occurred_at":%q,"channel":"chat","customer_zone":"Europe/Paris"}`,
		now.Add(-15*time.Minute).Format(time.RFC3339Nano))
	for range 2 {
		if code := s.post(t, "k", created); code != http.StatusOK {
			t.Fatalf("created: status %d; logs:\n%s", code, s.logs.String())
		}
	}
	if n := strings.Count(s.out.String(), "ACK {"); n != 1 {
		t.Fatalf("%d acknowledgements printed, want 1:\n%s", n, s.out.String())
	}
	var ack struct {
		Source, Channel, Locale, Text string
		TicketID                      string    `json:"ticket_id"`
		PromisedBy                    time.Time `json:"promised_by"`
	}
	line, _, _ := strings.Cut(strings.SplitN(s.out.String(), "ACK ", 2)[1], "\n")
	if err := json.Unmarshal([]byte(line), &ack); err != nil {
		t.Fatal(err)
	}
	// No history: the default policy's 1-hour target for chat, 45 minutes
	// of it left, said as a span (calendar time: no closed hours).
	if ack.Source != "generic" || ack.TicketID != "7" || ack.Channel != "chat" || ack.Locale != "en" ||
		!strings.Contains(ack.Text, "within 45 minutes") || ack.PromisedBy.Sub(now) < 44*time.Minute || ack.PromisedBy.Sub(now) > 46*time.Minute {
		t.Errorf("acknowledgement %+v", ack)
	}

	replied := fmt.Sprintf(`{"ticket_id":"7","event_id":"r7","kind":"agent_reply","occurred_at":%q,"author":"agent","public":true}`,
		now.Add(-5*time.Minute).Format(time.RFC3339Nano))
	if code := s.post(t, "k", replied); code != http.StatusOK {
		t.Fatalf("reply: status %d", code)
	}
	resp, err := http.Get("http://" + s.addr + "/tickets/generic/7")
	if err != nil {
		t.Fatal(err)
	}
	var view struct {
		Acknowledgement *struct {
			Kept *bool `json:"kept"`
		} `json:"acknowledgement"`
	}
	err = json.NewDecoder(resp.Body).Decode(&view)
	resp.Body.Close()
	if err != nil || view.Acknowledgement == nil || view.Acknowledgement.Kept == nil || !*view.Acknowledgement.Kept {
		t.Fatalf("ticket view: %v %+v", err, view.Acknowledgement)
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"report", "--url", "http://" + s.addr, "--json"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Queues []struct {
			Queue                            string
			Waiting, Replies, Promised, Kept int
			KeptRate                         float64 `json:"kept_rate"`
			P50Wait                          string  `json:"p50_wait"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	var names []string
	for _, q := range rep.Queues {
		names = append(names, q.Queue)
		if q.Waiting != 0 || q.Replies != 1 || q.Promised != 1 || q.Kept != 1 || q.KeptRate != 1 || q.P50Wait != "10m0s" {
			t.Errorf("queue %+v", q)
		}
	}
	if strings.Join(names, " ") != "generic generic/chat generic/chat/normal" {
		t.Errorf("queues %v", names)
	}
	out.Reset()
	if err := run(context.Background(), []string{"report", "--url", "http://" + s.addr}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "generic/chat/normal") || !strings.Contains(out.String(), "100.0%") {
		t.Errorf("report table:\n%s", out.String())
	}
}
