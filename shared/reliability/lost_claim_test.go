package reliability_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// loseAnswer passes requests to DynamoDB Local and, for the first n
// PutItem requests DynamoDB applied, answers 500 instead of DynamoDB's
// answer: the fault proxy's after_5xx, for one operation only.
type loseAnswer struct {
	mu   sync.Mutex
	n    int
	lost int
}

func (l *loseAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutItem") {
		return resp, err
	}
	l.mu.Lock()
	lose := l.lost < l.n
	if lose {
		l.lost++
	}
	l.mu.Unlock()
	if !lose {
		return resp, nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return &http.Response{StatusCode: http.StatusInternalServerError, Request: r, ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body:   io.NopCloser(strings.NewReader(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected: answer lost after the write"}`)),
	}, nil
}

// TestLostClaimAnswer: the checker's claim (a conditional PutItem) is
// applied by DynamoDB but its answer is lost. With the SDK's retries the
// repeated write fails its condition and the store re-reads; without them
// the update fails and the checker re-reads. Either way the claim, signed
// with the checker's token, is recognised as its own and the breach goes
// in the same run — not after the claim's lease (10 minutes here), as it
// did before claims were signed. Needs DynamoDB Local.
func TestLostClaimAnswer(t *testing.T) {
	endpoint := os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("needs DynamoDB Local: infra/local/dynamodb.sh run go test ./shared/reliability/ -run LostClaimAnswer")
	}
	cfg, err := policy.Parse([]byte(faultsConfig))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		retry func(*dynamodb.Options)
	}{
		{"sdk retries", func(o *dynamodb.Options) { o.Retryer = scaledRetryer() }},
		{"no retries", func(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			noChecksum := func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }
			direct, err := awsdefault.NewDynamoDBClient(ctx, endpoint, noChecksum)
			if err != nil {
				t.Fatal(err)
			}
			table := fmt.Sprintf("lost-claim-%d", time.Now().UnixNano())
			if err := store.CreateTable(ctx, direct, table); err != nil {
				t.Fatal(err)
			}
			tickets, err := store.NewDynamoDB(direct, table, nil)
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			in := &intake.Service{Policies: cfg, Tickets: tickets}
			if _, err := in.Ingest(ctx, []event.Event{{Source: source, TicketID: "A", ID: "c", Kind: event.TicketCreated,
				OccurredAt: t0, Author: event.Customer, Channel: event.Chat}}); err != nil {
				t.Fatal(err)
			}

			lose := &loseAnswer{n: 1}
			faulty, err := awsdefault.NewDynamoDBClient(ctx, endpoint, noChecksum, c.retry,
				func(o *dynamodb.Options) { o.HTTPClient = &http.Client{Transport: lose} })
			if err != nil {
				t.Fatal(err)
			}
			via, err := store.NewDynamoDB(faulty, table, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			chk := &checker.Checker{Config: cfg, Tickets: via, Notifier: rec, Clock: &virtualClock{now: t0.Add(target)},
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Horizon: time.Second, Lease: 10 * time.Minute}
			if _, err := chk.Run(ctx); err != nil {
				t.Errorf("run: %v", err)
			}
			if lose.lost != 1 {
				t.Fatalf("%d PutItem answers lost, want the claim's", lose.lost)
			}
			var kinds []string
			for _, a := range rec.alerts {
				kinds = append(kinds, a.Kind)
			}
			if fmt.Sprint(kinds) != "["+sla.Breach+"]" {
				t.Errorf("sent %v in the run whose claim's answer was lost, want the breach", kinds)
			}
			tk, err := tickets.Get(ctx, store.Key{Source: source, ID: "A"})
			if err != nil {
				t.Fatal(err)
			}
			if len(tk.Outbox) != 0 || tk.Fired["first_response/0/sla.breach/0"].IsZero() {
				t.Errorf("stored: outbox %v, fired %v; want the breach recorded as sent", tk.Outbox, tk.Fired)
			}
		})
	}
}
