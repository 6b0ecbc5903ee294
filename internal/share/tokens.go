package share

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/ringfence/ringfence/internal/blind"
	"github.com/ringfence/ringfence/internal/hub"
	"github.com/ringfence/ringfence/internal/screen"
	"github.com/ringfence/ringfence/internal/store"
	"github.com/ringfence/ringfence/internal/subject"
)

// Token kinds: which identifiers of a person are turned into tokens. Names
// are not: a name alone identifies no one and common names would match
// strangers across members. An identity is a document with the birth date:
// the same stolen identity, not the same number typed wrong.
var tokenKinds = map[string]string{
	"id_document":  "id_document",
	"phone":        "phone",
	"email":        "email",
	"bank_account": "bank_account",
	"wallet":       "wallet",
	"device":       "device",
	"address_key":  "address",
}

// ActiveKinds are the subject kinds whose tokens a member registers by
// default: the people it employs or pays now. Applicants are queried, not
// registered, so nobody learns of an application.
var ActiveKinds = []string{"employee", "contractor", "freelancer", "account", "payee"}

// SyncOptions configure SyncTokens.
type SyncOptions struct {
	// Active says whether a stored subject is registered; nil registers
	// the ActiveKinds. Subjects a case confirmed fraudulent are registered
	// (marked fraud) whatever their kind.
	Active func(store.Subject) bool
	// Progress is told what was done so far; nil is silent.
	Progress func(phase string, done, total int)
	Log      *slog.Logger
	// Pepper, when set, is a secret the members share and the hub does
	// not know: every value is keyed with it (HMAC-SHA256) before it is
	// blinded. The hub holds the OPRF key, so without a pepper a curious
	// hub could test guessed values (a phone number) against the tokens
	// registered; with one it cannot. Every member must use the same.
	Pepper []byte
}

// SyncResult says what a sync did.
type SyncResult struct {
	Epoch      int
	Subjects   int // stored subjects read
	Inputs     int // distinct identifiers turned into tokens
	Evaluated  int // of which evaluated by the hub now (the rest were cached)
	Registered int // tokens registered at the hub
	Fraud      int // of which marked fraud
	Findings   int // findings stored: identifiers other members hold
}

// input is one identifier of a subject, ready to blind.
type input struct {
	subject   string
	kind      string // token kind
	attribute string
	tok       int // index into the distinct inputs
}

// SyncTokens registers the member's active people at the hub as blinded
// tokens of their identifiers, replacing the registration before, asks how
// many other members hold each identifier of every stored subject, and
// stores the answers as findings (source consortium) that screening
// weighs. Only blinded elements and tokens leave the member.
func SyncTokens(ctx context.Context, st store.Store, hc *HubClient, bc *blind.Client, opt SyncOptions) (SyncResult, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	active := opt.Active
	if active == nil {
		active = func(s store.Subject) bool {
			for _, k := range ActiveKinds {
				if s.Kind == k {
					return true
				}
			}
			return false
		}
	}
	res := SyncResult{Epoch: bc.Epoch()}
	fraud, err := confirmedSubjects(ctx, st)
	if err != nil {
		return res, err
	}

	var inputs []input
	var distinct [][]byte
	index := map[string]int{}
	register := map[int]bool{} // distinct input -> fraud
	for s, err := range st.Subjects(ctx) {
		if err != nil {
			return res, err
		}
		res.Subjects++
		reg, isFraud := active(s), fraud[s.ID]
		for _, in := range subjectInputs(s) {
			value := in.value
			if len(opt.Pepper) > 0 {
				m := hmac.New(sha256.New, opt.Pepper)
				m.Write([]byte(in.kind + "\x00" + in.value))
				value = hex.EncodeToString(m.Sum(nil))
			}
			b := blind.Input(in.kind, value)
			i, ok := index[string(b)]
			if !ok {
				i = len(distinct)
				index[string(b)] = i
				distinct = append(distinct, b)
			}
			inputs = append(inputs, input{subject: s.ID, kind: in.kind, attribute: in.attribute, tok: i})
			if reg || isFraud {
				register[i] = register[i] || isFraud
			}
		}
		if res.Subjects%10000 == 0 {
			progress("read", res.Subjects, 0)
		}
	}
	res.Inputs = len(distinct)
	if len(distinct) == 0 {
		// Nobody left: the registration before is withdrawn too.
		if _, err := hc.Register(ctx, res.Epoch, []hub.RegisterToken{}); err != nil {
			return res, err
		}
		_, err := st.ReplaceFindings(ctx, store.SourceConsortium, nil)
		return res, err
	}

	// Tokens already made under this epoch's key come from the cache: a
	// daily sync evaluates only the identifiers it has not seen, which
	// spares the member's quota and the hub's time.
	hashes := make([]string, len(distinct))
	for i, in := range distinct {
		sum := sha256.Sum256(in)
		hashes[i] = hex.EncodeToString(sum[:])
	}
	cached, err := st.CachedTokens(ctx, res.Epoch, hashes)
	if err != nil {
		return res, err
	}
	tokens := make([]string, len(distinct))
	var missing []int
	for i, h := range hashes {
		if t, ok := cached[h]; ok {
			tokens[i] = t
		} else {
			missing = append(missing, i)
		}
	}
	res.Evaluated = len(missing)
	const step = 20 * blind.MaxBatch // a progress line every 20 batches
	for start := 0; start < len(missing); start += step {
		idx := missing[start:min(start+step, len(missing))]
		part := make([][]byte, len(idx))
		for j, i := range idx {
			part[j] = distinct[i]
		}
		toks, err := Tokens(ctx, hc, bc, part)
		if err != nil {
			return res, fmt.Errorf("tokens %d–%d of %d: %w", start+1, start+len(part), len(missing), err)
		}
		fresh := make(map[string]string, len(idx))
		for j, i := range idx {
			tokens[i] = hub.EncodeToken(toks[j])
			fresh[hashes[i]] = tokens[i]
		}
		if err := st.CacheTokens(ctx, res.Epoch, fresh); err != nil {
			return res, err
		}
		progress("tokens", start+len(idx), len(missing))
	}

	reg := make([]hub.RegisterToken, 0, len(register))
	for i, f := range register {
		reg = append(reg, hub.RegisterToken{Token: tokens[i], Fraud: f})
		if f {
			res.Fraud++
		}
	}
	if res.Registered, err = hc.Register(ctx, res.Epoch, reg); err != nil {
		return res, err
	}
	progress("register", res.Registered, len(reg))

	counts := make([]store.TokenCount, 0, len(tokens))
	const perQuery = 10000
	for start := 0; start < len(tokens); start += perQuery {
		c, err := hc.Counts(ctx, res.Epoch, tokens[start:min(start+perQuery, len(tokens))])
		if err != nil {
			return res, err
		}
		counts = append(counts, c...)
		progress("counts", len(counts), len(tokens))
	}

	var findings []store.Finding
	for _, in := range inputs {
		c := counts[in.tok]
		if c.Members == 0 {
			continue
		}
		findings = append(findings, consortiumFinding(in, c))
	}
	if res.Findings, err = st.ReplaceFindings(ctx, store.SourceConsortium, findings); err != nil {
		return res, err
	}
	opt.Log.Info("consortium sync", "epoch", res.Epoch, "subjects", res.Subjects, "identifiers", res.Inputs,
		"registered", res.Registered, "findings", res.Findings)
	return res, nil
}

type tokenInput struct{ kind, value, attribute string }

// subjectInputs are the identifiers of a stored subject that become
// tokens: canonical values of the token kinds, and each document with the
// birth date as an identity.
func subjectInputs(s store.Subject) []tokenInput {
	var out []tokenInput
	birth := ""
	for _, id := range s.Identifiers {
		kind, ok := tokenKinds[id.Kind]
		// Offices and mailing addresses are shared by design; homes and
		// laptop shipping addresses are what a farm reuses.
		if !ok || kind == "address" && id.Role != "home" && id.Role != "shipping" && id.Role != "" {
			continue
		}
		out = append(out, tokenInput{kind: kind, value: id.Value, attribute: id.Attribute})
		if id.Kind == "id_document" {
			if birth == "" {
				birth = birthDate(s.Raw)
			}
			if birth != "" {
				out = append(out, tokenInput{kind: "identity", value: id.Value + "|" + birth, attribute: id.Attribute})
			}
		}
	}
	return out
}

// birthDate reads the birth date of a stored record ("" when it has none
// or cannot be read).
func birthDate(raw json.RawMessage) string {
	rec, err := subject.DecodeStored(raw)
	if err != nil {
		return ""
	}
	return rec.BirthDate
}

// confirmedSubjects are the subjects of cases decided confirmed fraud.
func confirmedSubjects(ctx context.Context, st store.Store) (map[string]bool, error) {
	out := map[string]bool{}
	var after int64
	for {
		cs, err := st.Cases(ctx, store.CaseQuery{AfterID: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			after = c.ID
			if c.Decision != store.DecisionConfirmed {
				continue
			}
			if c.SubjectID != "" {
				out[c.SubjectID] = true
			}
			// A case about several subjects names them through its alerts.
			alerts, err := st.Alerts(ctx, store.AlertQuery{CaseID: c.ID})
			if err != nil {
				return nil, err
			}
			for _, a := range alerts {
				out[a.SubjectID] = true
			}
		}
		if len(cs) < 1000 {
			return out, nil
		}
	}
}

// consortiumFinding explains what the hub said of one identifier.
func consortiumFinding(in input, c store.TokenCount) store.Finding {
	what := screen.IdentifierWords[in.kind]
	text := fmt.Sprintf("The %s in %s is also held by people at %s of the consortium", what, in.attribute,
		plural(c.Members, "other member", "other members"))
	level, points := "medium", 30
	switch {
	case c.Fraud > 0:
		text += fmt.Sprintf("; %s confirmed its holder fraudulent", plural(c.Fraud, "member", "members"))
		level, points = "high", 75
	case in.kind == "phone" || in.kind == "email" || in.kind == "address" && c.Members < 2:
		level, points = "low", 15
	}
	text += ". The hub answered from blinded tokens: it does not know the value and did not say which members."
	detail, _ := json.Marshal(map[string]any{"identifier": in.kind, "attribute": in.attribute, "members": c.Members, "fraud": c.Fraud})
	return store.Finding{Source: store.SourceConsortium, ID: in.kind + ":" + in.attribute, SubjectID: in.subject,
		Kind: "active_elsewhere", Level: level, Points: points, Explanation: text, Detail: detail}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
