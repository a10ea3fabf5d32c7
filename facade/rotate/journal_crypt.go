package rotate

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"github.com/unipass/unipass/facade"
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

// JournalOption configures CreateJournal and OpenJournal.
type JournalOption func(*journalConfig)

type journalConfig struct {
	recipients []age.Recipient
	identities []age.Identity
}

// WithRecipients age-encrypts the password of every entry to the recipients: a line stays JSON with its
// metadata readable, and its "password_age" field holds the base64 of an age file (binary format) that
// needs one of the recipients' identities. A journal is encrypted or plain from its creation on;
// OpenJournal of an encrypted journal needs WithRecipients (or WithIdentities of X25519 or hybrid
// identities, whose recipients are derived) to append, and WithIdentities to read.
func WithRecipients(r ...age.Recipient) JournalOption {
	return func(c *journalConfig) { c.recipients = append(c.recipients, r...) }
}

// WithIdentities gives OpenJournal the identities that decrypt the password fields of an encrypted
// journal.
func WithIdentities(i ...age.Identity) JournalOption {
	return func(c *journalConfig) { c.identities = append(c.identities, i...) }
}

func journalOptions(opts []JournalOption) journalConfig {
	var cfg journalConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return cfg
}

// recipientsOf returns the recipients of the identities that know theirs (X25519 and hybrid), or nil
// when any does not.
func recipientsOf(ids []age.Identity) []age.Recipient {
	var out []age.Recipient
	for _, id := range ids {
		switch i := id.(type) {
		case *age.X25519Identity:
			out = append(out, i.Recipient())
		case *age.HybridIdentity:
			out = append(out, i.Recipient())
		default:
			return nil
		}
	}
	return out
}

// sealPassword age-encrypts a password and returns the base64 of the age file.
func sealPassword(pw facade.Secret, recipients []age.Recipient) (string, error) {
	var b bytes.Buffer
	w, err := age.Encrypt(&b, recipients...)
	if err != nil {
		return "", err
	}
	if _, err := io.WriteString(w, pw.Reveal()); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// openPassword decrypts what sealPassword produced.
func openPassword(enc string, ids []age.Identity) (facade.Secret, error) {
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return facade.Secret{}, errors.New("not base64")
	}
	r, err := age.Decrypt(bytes.NewReader(data), ids...)
	if err != nil {
		return facade.Secret{}, err
	}
	pw, err := io.ReadAll(io.LimitReader(r, 4*maxLength))
	if err != nil {
		return facade.Secret{}, err
	}
	return facade.NewSecret(string(pw)), nil
}
