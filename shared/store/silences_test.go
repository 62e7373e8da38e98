package store_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/store/storetest"
)

func TestMemorySilencesContract(t *testing.T) {
	storetest.RunSilences(t, func(_ *testing.T, now func() time.Time) store.Silences { return store.NewMemoryAt(now) })
}

func TestDynamoDBSilencesContract(t *testing.T) {
	client, table, _ := localTable(t)
	// One table for the whole suite, as in production: each test reads
	// back only the silences it made.
	storetest.RunSilences(t, func(t *testing.T, now func() time.Time) store.Silences {
		s, err := store.NewDynamoDB(client, table, now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
