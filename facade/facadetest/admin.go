package facadetest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/unipass/unipass/api"
)

// AdminHandler is the JSON admin API of the fakes (state, hits, violations, faults), for scripts and tests
// in any language; see "The admin API" in the package doc. It answers only loopback clients naming a
// loopback Host, with no foreign Origin, writing as application/json (else 403): it shows every password.
func (f *Fakes) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /state", f.getState)
	mux.HandleFunc("GET /hits", f.getHits)
	mux.HandleFunc("GET /violations", f.getViolations)
	mux.HandleFunc("POST /faults", f.postFault)
	mux.HandleFunc("POST /faults/clear", f.clearFaults)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := adminRefusal(r); err != nil {
			adminError(w, http.StatusForbidden, err)
			return
		}
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(DefaultBodyTimeout))
		mux.ServeHTTP(w, r)
	})
}

// vendorState is one vendor's part of GET /state.
type vendorState struct {
	BaseURL         string         `json:"base_url"`
	Users           []userState    `json:"users"`
	Hits            map[string]int `json:"hits"`
	Violations      []string       `json:"violations"`      // the latest MaxRecent
	ViolationCount  int            `json:"violation_count"` // all of them
	RateLimited     int            `json:"rate_limited"`
	FaultsArmed     map[string]int `json:"faults_armed"`
	ResetEmails     []string       `json:"reset_emails,omitempty"` // DocSpace: the reset emails sent, the latest MaxRecent
	ResetEmailCount int            `json:"reset_email_count,omitempty"`
}

// userState is a user or account as the fake holds it now. ID is a string for every vendor.
type userState struct {
	ID       string `json:"id"`
	Email    string `json:"email,omitempty"`
	Username string `json:"username,omitempty"` // Glowmarkt's login name
	Name     string `json:"name,omitempty"`
	Role     string `json:"role,omitempty"` // Zendesk
	Password string `json:"password"`
}

var adminVendors = api.Vendors()

func (f *Fakes) getState(w http.ResponseWriter, _ *http.Request) {
	out := map[api.Vendor]vendorState{}
	for _, v := range adminVendors {
		s := f.server(v)
		vs := vendorState{Hits: s.allHits(), Violations: violationTexts(s.Violations()), RateLimited: s.RateLimited(),
			FaultsArmed: s.armedFaults(), BaseURL: s.URL(), ViolationCount: s.ViolationCount()}
		switch v {
		case api.DocSpace:
			vs.Users, vs.ResetEmails, vs.ResetEmailCount = f.docspaceUsers(), f.DocSpace.ResetEmails(), f.DocSpace.ResetEmailCount()
		case api.Zendesk:
			vs.Users = f.zendeskUsers()
		case api.Glowmarkt:
			vs.Users = f.glowmarktAccounts()
		}
		slices.SortFunc(vs.Users, func(a, b userState) int { return cmp.Compare(a.ID, b.ID) })
		out[v] = vs
	}
	adminJSON(w, http.StatusOK, out)
}

func (f *Fakes) docspaceUsers() (out []userState) {
	d := f.DocSpace
	d.locked(func() {
		for _, u := range d.users {
			out = append(out, userState{ID: u.ID, Email: u.Email, Name: u.DisplayName, Password: u.Password})
		}
	})
	return out
}

func (f *Fakes) zendeskUsers() (out []userState) {
	z := f.Zendesk
	z.locked(func() {
		for _, u := range z.users {
			out = append(out, userState{ID: strconv.FormatInt(u.ID, 10), Email: u.Email, Name: u.Name, Role: u.Role, Password: u.Password})
		}
	})
	return out
}

func (f *Fakes) glowmarktAccounts() (out []userState) {
	g := f.Glowmarkt
	g.locked(func() {
		for _, a := range g.accounts {
			out = append(out, userState{ID: a.AccountID, Email: a.Email, Username: a.Username, Name: a.Name, Password: a.Password})
		}
	})
	return out
}

func (f *Fakes) getHits(w http.ResponseWriter, _ *http.Request) {
	out := map[api.Vendor]map[string]int{}
	for _, v := range adminVendors {
		out[v] = f.server(v).allHits()
	}
	adminJSON(w, http.StatusOK, out)
}

func (f *Fakes) getViolations(w http.ResponseWriter, _ *http.Request) {
	out := map[api.Vendor][]string{}
	for _, v := range adminVendors {
		out[v] = violationTexts(f.server(v).Violations())
	}
	adminJSON(w, http.StatusOK, out)
}

func violationTexts(errs []error) []string {
	out := make([]string, len(errs))
	for i, err := range errs {
		out[i] = err.Error()
	}
	return out
}

// faultRequest is the body of POST /faults: a Fault with the vendor and operation it is armed for. Delay
// shadows Fault.Delay to take a duration string.
type faultRequest struct {
	Vendor    string
	Operation string
	Delay     string
	Fault
}

func (f *Fakes) postFault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if err := decodeAdmin(r, &req); err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	s, fault, err := f.checkFault(req)
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	s.Fail(Operation(req.Operation), fault)
	adminJSON(w, http.StatusCreated, map[string]any{"vendor": req.Vendor, "operation": req.Operation,
		"armed": s.armedFaults()[req.Operation]})
}

// checkFault returns the server a fault request names and the fault to arm, or why it cannot be armed.
func (f *Fakes) checkFault(req faultRequest) (*Server, Fault, error) {
	s := f.server(api.Vendor(req.Vendor))
	if s == nil {
		return nil, Fault{}, fmt.Errorf("vendor must be docspace, zendesk or glowmarkt, not %q", req.Vendor)
	}
	ops, err := operationIDs(s.validator.Vendor())
	if err != nil {
		return nil, Fault{}, err
	}
	if !slices.Contains(ops, req.Operation) {
		return nil, Fault{}, fmt.Errorf("operation %q is not an operationId of %s (one of: %v)", req.Operation, req.Vendor, ops)
	}
	fault := req.Fault
	if req.Delay != "" {
		if fault.Delay, err = time.ParseDuration(req.Delay); err != nil || fault.Delay < 0 {
			return nil, Fault{}, fmt.Errorf("delay %q is not a duration such as \"1.5s\"", req.Delay)
		}
	}
	switch {
	case fault.Status != 0 && (fault.Status < 100 || fault.Status > 599):
		return nil, Fault{}, fmt.Errorf("status %d is not an HTTP status", fault.Status)
	case fault.Times < 0:
		return nil, Fault{}, errors.New("times must not be negative (0: until cleared)")
	}
	return s, fault, nil
}

// operationIDs lists a vendor's operationIds, sorted; the descriptions are parsed once, on first use.
var operationIDs = func() func(api.Vendor) ([]string, error) {
	load := sync.OnceValues(func() (map[api.Vendor][]string, error) {
		out := map[api.Vendor][]string{}
		for _, v := range adminVendors {
			doc, err := api.Load(v)
			if err != nil {
				return nil, err
			}
			for _, item := range doc.Paths.Map() {
				for _, op := range item.Operations() {
					out[v] = append(out[v], op.OperationID)
				}
			}
			slices.Sort(out[v])
		}
		return out, nil
	})
	return func(v api.Vendor) ([]string, error) {
		all, err := load()
		return all[v], err
	}
}()

func (f *Fakes) clearFaults(w http.ResponseWriter, r *http.Request) {
	var req struct{ Vendor string }
	if r.ContentLength != 0 {
		if err := decodeAdmin(r, &req); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
	}
	if req.Vendor == "" {
		for _, v := range adminVendors {
			f.server(v).ClearFaults()
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s := f.server(api.Vendor(req.Vendor))
	if s == nil {
		adminError(w, http.StatusBadRequest, fmt.Errorf("vendor must be docspace, zendesk or glowmarkt, not %q", req.Vendor))
		return
	}
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

func decodeAdmin(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func adminError(w http.ResponseWriter, status int, err error) {
	adminJSON(w, status, map[string]string{"error": err.Error()})
}
