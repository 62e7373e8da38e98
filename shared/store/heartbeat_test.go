package store_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/store/storetest"
)

func TestMemoryTrafficContract(t *testing.T) {
	storetest.RunTraffic(t, func(*testing.T) store.Traffic { return store.NewMemory() })
}

func TestDynamoDBTrafficContract(t *testing.T) {
	client, table, _ := localTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunTraffic(t, func(*testing.T) store.Traffic { return s })
}

// What the heartbeat costs in DynamoDB requests: an accepted request or
// a refusal is one UpdateItem, a check of a watched source one GetItem.
func TestTrafficRequests(t *testing.T) {
	client, table, count := localTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := storetest.T0
	for _, step := range []struct {
		name string
		do   func() error
		want map[string]int
	}{
		{"first check", func() error { _, err := s.Watch(ctx, "zendesk", at); return err }, map[string]int{"GetItem": 1, "UpdateItem": 1}},
		{"later check", func() error { _, err := s.Watch(ctx, "zendesk", at.Add(time.Minute)); return err }, map[string]int{"GetItem": 1}},
		{"accepted", func() error { return s.RecordAccepted(ctx, "zendesk", at) }, map[string]int{"UpdateItem": 1}},
		{"accepted again", func() error { return s.RecordAccepted(ctx, "zendesk", at.Add(time.Second)) }, map[string]int{"UpdateItem": 1}},
		{"refused", func() error { return s.RecordRejected(ctx, "zendesk", at) }, map[string]int{"UpdateItem": 1}},
		{"swap", func() error {
			_, err := s.SwapAlerts(ctx, store.SourceTraffic{Source: "zendesk", LastAccepted: at}, store.Alerts{Rejected: true})
			return err
		}, map[string]int{"UpdateItem": 1}},
	} {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if _, ops := count.Take(); !maps.Equal(ops, step.want) {
			t.Errorf("%s: requests %v, want %v", step.name, ops, step.want)
		}
	}
}
