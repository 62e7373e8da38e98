package store_test

import (
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
