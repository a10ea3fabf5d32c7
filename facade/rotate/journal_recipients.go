package rotate

import (
	"fmt"
	"strings"

	"filippo.io/age"
)

// recipientNames returns the text form ("age1...") of every recipient, or nil when one has none (a
// resume must then be given the recipients).
func recipientNames(rs []age.Recipient) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		s, ok := r.(fmt.Stringer)
		if !ok {
			return nil
		}
		out = append(out, s.String())
	}
	return out
}

// parseRecipientNames parses what recipientNames wrote.
func parseRecipientNames(names []string) ([]age.Recipient, error) {
	if len(names) == 0 {
		return nil, nil
	}
	return age.ParseRecipients(strings.NewReader(strings.Join(names, "\n")))
}

// Encrypted reports whether the journal's passwords are age-encrypted (it was created with
// WithRecipients). Whatever else holds the passwords of its run should be encrypted too.
func (j *FileJournal) Encrypted() bool { return j.encrypted }

// Recipients returns the age recipients the journal encrypts to: those given to CreateJournal or
// OpenJournal, or, on resuming without them, those its header records (or the identities' own). Nil for a
// plain journal.
func (j *FileJournal) Recipients() []age.Recipient { return j.recipients }

// Syncs returns how many batches the journal has written and fsynced so far (each fsync commits every
// record that arrived while the previous one ran), for measuring how well records share them.
func (j *FileJournal) Syncs() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.commits
}
