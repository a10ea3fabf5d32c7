package facadetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
)

// The constants are exactly the operationIds of the descriptions.
func TestOperationsAreTheDescriptionsOperationIDs(t *testing.T) {
	t.Parallel()
	for _, v := range api.Vendors() {
		ids, err := operationIDs(v)
		require.NoError(t, err)
		var got []string
		for _, op := range Operations(v) {
			got = append(got, string(op))
		}
		assert.Equal(t, ids, got, "%s", v)
	}
	assert.Nil(t, Operations("nope"))
}

// fatalRecorder is a testing.TB whose Fatalf is recorded instead of ending the test.
type fatalRecorder struct {
	testing.TB
	fatals []string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

// A name that is no operation of the fake's vendor (the facade's name, another vendor's operation) arms
// nothing and is never ignored: a test failure with WithT, a panic without.
func TestUnknownOperationIsNeverIgnored(t *testing.T) {
	t.Parallel()
	rec := &fatalRecorder{TB: t}
	z := NewZendesk(WithT(rec))
	z.Fail("SetPassword", Fault{Status: 500})
	z.Fail(DocSpaceChangeUserPassword, Fault{Status: 500})
	_ = z.Hits("setUserPassword")
	require.Len(t, rec.fatals, 3)
	assert.Contains(t, rec.fatals[0], `"SetPassword" is not an operation of zendesk`)
	assert.Contains(t, rec.fatals[0], "SetUserPassword", "the error lists the vendor's operations")
	assert.Empty(t, z.armedFaults(), "nothing armed")

	z.Fail(ZendeskSetUserPassword, Fault{Status: 500})
	assert.Equal(t, map[string]int{"SetUserPassword": 1}, z.armedFaults())
	assert.Len(t, rec.fatals, 3)

	bare := NewDocSpace()
	t.Cleanup(bare.Close)
	assert.PanicsWithValue(t, fmt.Sprintf(`facadetest: "SetUserPassword" is not an operation of docspace (its operationIds: %v)`,
		Operations(api.DocSpace)), func() { bare.Fail(ZendeskSetUserPassword, Fault{}) })
}
