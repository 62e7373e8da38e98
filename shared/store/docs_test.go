package store_test

import (
	"context"
	"testing"

	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/store/storetest"
)

func TestMemoryDocsContract(t *testing.T) { storetest.RunDocs(t, store.NewMemory()) }

func TestDynamoDBDocsContract(t *testing.T) {
	client, table, _ := localTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunDocs(t, s)
}

// TestPutDocIfAbsentRequests checks that finding a document costs one
// request: the refused put returns it (the checker's retargeting check
// finds its document on every run).
func TestPutDocIfAbsentRequests(t *testing.T) {
	client, table, count := localTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, stored, err := s.PutDocIfAbsent(ctx, "k", []byte("first")); err != nil || !stored {
		t.Fatalf("first put: stored %v, %v", stored, err)
	}
	if n, ops := count.Take(); n != 1 || ops["PutItem"] != 1 {
		t.Errorf("put of an absent document: %d requests %v, want one PutItem", n, ops)
	}
	for range 2 {
		cur, stored, err := s.PutDocIfAbsent(ctx, "k", []byte("second"))
		if err != nil || stored || string(cur.Data) != "first" || cur.Version != 1 {
			t.Fatalf("put over a document: %q v%d, stored %v, %v; want the first, v1, not stored", cur.Data, cur.Version, stored, err)
		}
		if n, ops := count.Take(); n != 1 || ops["PutItem"] != 1 {
			t.Errorf("put over a document: %d requests %v, want one PutItem", n, ops)
		}
	}
	if ok, err := s.ReplaceDoc(ctx, "k", 1, []byte("third")); err != nil || !ok {
		t.Fatalf("replace: %v, %v", ok, err)
	}
	if cur, _, err := s.PutDocIfAbsent(ctx, "k", []byte("fourth")); err != nil || string(cur.Data) != "third" || cur.Version != 2 {
		t.Errorf("put over the replaced document: %q v%d, %v; want third, v2", cur.Data, cur.Version, err)
	}
}
