package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/sla"
)

// DynamoDB's key limits, in bytes of UTF-8
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html):
// a partition key, the table's or an index's, at most 2,048; a sort key at
// most 1,024.
const (
	maxPartitionKey = 2048
	maxSortKey      = 1024
)

// longestSourceName is the longest source name the configuration accepts,
// found by asking the parser rather than copied from it.
func longestSourceName(t *testing.T) string {
	t.Helper()
	longest := ""
	for n := 1; n <= 300; n++ {
		name := strings.Repeat("s", n)
		if _, err := policy.Parse([]byte("sources:\n  " + name + ": {provider: generic}\npolicies:\n  - name: p\n    first_response: {within: 1h}\n")); err == nil {
			longest = name
		}
	}
	if longest == "" || len(longest) == 300 {
		t.Fatalf("no bound on source names found (longest accepted: %d bytes)", len(longest))
	}
	return longest
}

// TestIDLimitFitsKeys: with the longest source name and ids of
// event.MaxIDBytes, every key the store builds from them fits DynamoDB's
// limits. The keys come from the store's own functions, so a new prefix or
// a longer limit fails here rather than as a 500 in production.
func TestIDLimitFitsKeys(t *testing.T) {
	source := longestSourceName(t)
	id := strings.Repeat("x", event.MaxIDBytes)
	longestQueue := ""
	for _, ch := range event.Channels() {
		for _, pr := range event.Priorities() {
			for _, k := range queue.Keys(source, ch, pr) {
				if s := k.String(); len(s) > len(longestQueue) {
					longestQueue = s
				}
			}
		}
	}
	tpk := ticketPK(Key{Source: source, ID: id})
	for _, k := range []struct {
		name  string
		value string
		limit int
	}{
		{"ticket pk", tpk, maxPartitionKey},
		{"ticket sk", skTicket, maxSortKey},
		{"event pk", eventPK(source, id), maxPartitionKey},
		{"event sk", skEvent, maxSortKey},
		{"queue pk", queuePK(longestQueue), maxPartitionKey},
		{"queue sk", skQueue, maxSortKey},
		{"due index pk", shardOf(tpk), maxPartitionKey},
	} {
		t.Logf("%s: %d of %d bytes", k.name, len(k.value), k.limit)
		if len(k.value) > k.limit {
			t.Errorf("%s: %d bytes, over DynamoDB's %d", k.name, len(k.value), k.limit)
		}
	}
	if got, ok := keyOf(tpk); !ok || got != (Key{Source: source, ID: id}) {
		t.Errorf("keyOf(ticketPK) = %v, %v: the key does not read back", got, ok)
	}
}

// TestDynamoDBKeyLimit: DynamoDB Local itself takes a ticket whose key is
// exactly 2,048 bytes and refuses one byte more — the 500 a 10,000-byte
// ticket id used to get before event.Check — so the limits above are the
// real ones.
func TestDynamoDBKeyLimit(t *testing.T) {
	endpoint := os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("SLAWATCH_TEST_DYNAMODB_ENDPOINT is not set; `make test` starts DynamoDB Local and sets it")
	}
	ctx := context.Background()
	client, err := awsdefault.NewDynamoDBClient(ctx, endpoint, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("slawatch-keylimit-%d", time.Now().UnixNano())
	if err := CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table}) })
	d, err := NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	source := longestSourceName(t)
	room := maxPartitionKey - len(ticketPK(Key{Source: source}))
	create := func(id string) error {
		_, err := d.Update(ctx, Key{Source: source, ID: id}, "e-"+fmt.Sprint(len(id)), func(t sla.Ticket) (sla.Ticket, bool, error) { return t, true, nil })
		return err
	}
	if err := create(strings.Repeat("x", room)); err != nil {
		t.Errorf("ticket id of %d bytes (key of exactly %d): %v", room, maxPartitionKey, err)
	}
	for _, n := range []int{room + 1, 10_000} {
		var api smithy.APIError
		if err := create(strings.Repeat("x", n)); !errors.As(err, &api) || api.ErrorCode() != "ValidationException" {
			t.Errorf("ticket id of %d bytes: Update = %.200v, want DynamoDB's ValidationException", n, err)
		}
	}
	if room < event.MaxIDBytes {
		t.Errorf("room for %d bytes of id, less than event.MaxIDBytes (%d)", room, event.MaxIDBytes)
	}
}
