package screen

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/ringfence/ringfence/internal/graph"
	"github.com/ringfence/ringfence/internal/match"
	"github.com/ringfence/ringfence/internal/risk"
)

// Facts are what rules look at. A rule names one fact type in its "on" and
// is evaluated once per fact of that type; the subject's own signals are
// visible to every rule.
const (
	OnSubject = "subject" // once per record
	OnMatch   = "match"   // once per hit against the loaded intelligence
	OnLink    = "link"    // once per identifier value the record shares with other subjects
	OnResume  = "resume"  // once when the resume is a near-duplicate of others'
	OnCluster = "cluster" // once when link analysis puts the record in a cluster
	OnFinding = "finding" // once per finding of another analysis about the stored subject (laptop farms, the consortium)
)

var factTypes = []string{OnSubject, OnMatch, OnLink, OnResume, OnCluster, OnFinding}

// Link is one identifier value a record shares with other subjects, in the
// same input or in the store, and who those others are to it.
type Link struct {
	Kind      string // identifier kind: phone, bank_account, address, …
	Attribute string // the record's field, e.g. "phones[0]"
	Role      string // address kind or document type
	Value     string // canonical value
	// Holders counts every subject holding the value, this one included.
	Holders int
	// Others are the other subjects' ids (at most maxListed of them are
	// named), found in the batch and, when screening with a store, there.
	Others  []string
	InStore int
	// DifferentNames counts others whose name differs from every name and
	// alias of this record; DifferentIdentities those whose name or birth
	// date differs; SamePerson those with the same name and birth date (the
	// same person applying twice); Unrelated those with another name who do
	// not share this record's home address (household members are related).
	DifferentNames      int
	DifferentIdentities int
	SamePerson          int
	Unrelated           int
	// OwnHome is true when the value is also one of this record's home
	// addresses.
	OwnHome bool
	// OthersLinked counts the others of this input that share further
	// values of entangling kinds (payout account, wallet, phone, e-mail,
	// device, profile) with other records: the others are tied into
	// something beyond this value.
	OthersLinked int
	// Counted says how many others were examined for the counts above: all
	// of them up to maxExamined.
	Counted int
}

// Resume says the record's resume is a near-duplicate of others'.
type Resume struct {
	Similarity float64
	Others     []string
	Unrelated  int
}

// facts is the activation of one rule evaluation: the subject's signals and
// the one fact under evaluation.
type facts struct {
	subj   *subjectFacts
	match  *match.Hit
	link   *Link
	resume *Resume
	// cluster is the record's cluster (internal/graph) and recno the
	// record's number in the batch.
	cluster *graph.Cluster
	recno   int
	finding *Finding
}

func (f *facts) ResolveName(name string) (any, bool) {
	s, ok := signalByName[name]
	if !ok {
		return nil, false
	}
	switch s.on {
	case OnMatch:
		if f.match == nil {
			return nil, false
		}
	case OnLink:
		if f.link == nil {
			return nil, false
		}
	case OnResume:
		if f.resume == nil {
			return nil, false
		}
	case OnCluster:
		if f.cluster == nil {
			return nil, false
		}
	case OnFinding:
		if f.finding == nil {
			return nil, false
		}
	}
	return s.get(f), true
}

func (f *facts) Parent() interpreter.Activation { return nil }

// signal is one variable a rule's expressions may use. The table is the
// documented rule language (docs/RULES.md is written from it and a test
// keeps them equal).
type signal struct {
	name string
	on   string
	typ  *cel.Type
	doc  string
	get  func(*facts) any
}

func strList(ss []string) ref.Val { return types.NewStringList(types.DefaultTypeAdapter, ss) }

var signals = []signal{
	{"subject.kind", OnSubject, cel.StringType, "record kind: applicant, employee, contractor, freelancer, account, payee or empty",
		func(f *facts) any { return f.subj.kind }},
	{"subject.nationality", OnSubject, cel.StringType, "claimed nationality, ISO 3166 alpha-2, or empty",
		func(f *facts) any { return f.subj.nationality }},
	{"subject.has_birth_date", OnSubject, cel.BoolType, "the record gives a birth date",
		func(f *facts) any { return f.subj.hasBirthDate }},
	{"subject.shipping_elsewhere", OnSubject, cel.BoolType, "a shipping address differs from every home address the record gives (and it gives one)",
		func(f *facts) any { return f.subj.shippingElsewhere }},
	{"subject.invalid_documents", OnSubject, cel.IntType, "identity documents whose number is impossible for their type and country",
		func(f *facts) any { return int64(f.subj.invalidDocuments) }},
	{"subject.identifiers", OnSubject, cel.IntType, "valid identifiers in the record",
		func(f *facts) any { return int64(f.subj.identifiers) }},
	{"subject.linked_values", OnSubject, cel.IntType, "the record's payout accounts, wallets, phones, e-mails, devices and profiles that unrelated subjects also give",
		func(f *facts) any { return int64(f.subj.linkedValues) }},

	{"match.type", OnMatch, cel.StringType, "how it matched: exact, cidr, name_key (romanisation/order variant), fuzzy_name",
		func(f *facts) any { return string(f.match.Type) }},
	{"match.kind", OnMatch, cel.StringType, "kind of the record's value: name, email, phone, ip, wallet, url, domain, bank_account, id_document, device, address",
		func(f *facts) any { return f.match.Kind }},
	{"match.attribute", OnMatch, cel.StringType, "the record's field, e.g. emails[0]",
		func(f *facts) any { return f.match.Attribute }},
	{"match.value", OnMatch, cel.StringType, "the record's canonical value",
		func(f *facts) any { return f.match.Value }},
	{"match.indicator_kind", OnMatch, cel.StringType, "kind of the indicator matched (domain for an e-mail on a listed domain)",
		func(f *facts) any { return f.match.IndicatorKind }},
	{"match.indicator_value", OnMatch, cel.StringType, "the indicator's canonical value",
		func(f *facts) any { return f.match.IndicatorValue }},
	{"match.label", OnMatch, cel.StringType, "the indicator's label: a listed name as written, a VPN or hosting provider, …",
		func(f *facts) any { return f.match.Label }},
	{"match.severity", OnMatch, cel.StringType, "the indicator's severity from its source (info, low, medium, high, critical) or empty",
		func(f *facts) any { return f.match.Severity }},
	{"match.source", OnMatch, cel.StringType, "the list: ofac-sdn, ofac-consolidated, un-consolidated, wallets:ETH, starter-pack, stix:…, misp:…, a CSV's source",
		func(f *facts) any { return f.match.Source }},
	{"match.sanctions", OnMatch, cel.BoolType, "the source is a government sanctions list (OFAC, UN, a sanctioned-wallet list) or the entry names a sanctions programme",
		func(f *facts) any { return isSanctions(f.match) }},
	{"match.programs", OnMatch, cel.ListType(cel.StringType), "the entry's sanctions programmes, e.g. [\"DPRK3\"]",
		func(f *facts) any { return strList(f.match.Programs) }},
	{"match.similarity", OnMatch, cel.DoubleType, "name similarity 0–1 (1 for a key match; 0 for identifiers)",
		func(f *facts) any { return f.match.Similarity }},
	{"match.dob", OnMatch, cel.StringType, "birth date against the entry's: exact, year, conflict, unknown (empty for identifiers)",
		func(f *facts) any { return string(f.match.DOB) }},
	{"match.nationality", OnMatch, cel.StringType, "nationality against the entry's: same, different, unknown",
		func(f *facts) any { return string(f.match.Nationality) }},
	{"match.confidence", OnMatch, cel.IntType, "the match's confidence 0–100 (docs/MATCHING.md)",
		func(f *facts) any { return int64(f.match.Confidence) }},

	{"link.kind", OnLink, cel.StringType, "kind of the shared value: email, phone, address, id_document, bank_account, wallet, ip, device, url",
		func(f *facts) any { return f.link.Kind }},
	{"link.attribute", OnLink, cel.StringType, "the record's field holding it",
		func(f *facts) any { return f.link.Attribute }},
	{"link.role", OnLink, cel.StringType, "the address kind (home, shipping, mailing, work) or document type (ssn, passport, …) in this record",
		func(f *facts) any { return f.link.Role }},
	{"link.holders", OnLink, cel.IntType, "subjects holding the value, this one included: a value held by very many says little",
		func(f *facts) any { return int64(f.link.Holders) }},
	{"link.others", OnLink, cel.IntType, "other subjects holding it",
		func(f *facts) any { return int64(f.link.Holders - 1) }},
	{"link.different_names", OnLink, cel.IntType, "others with no name or alias in common with this record's",
		func(f *facts) any { return int64(f.link.DifferentNames) }},
	{"link.different_identities", OnLink, cel.IntType, "others whose name or birth date differs",
		func(f *facts) any { return int64(f.link.DifferentIdentities) }},
	{"link.same_person", OnLink, cel.IntType, "others with the same name and birth date: the same person twice",
		func(f *facts) any { return int64(f.link.SamePerson) }},
	{"link.unrelated", OnLink, cel.IntType, "others with another name who do not share this record's home address",
		func(f *facts) any { return int64(f.link.Unrelated) }},
	{"link.own_home", OnLink, cel.BoolType, "the shared value is also this record's home address",
		func(f *facts) any { return f.link.OwnHome }},
	{"link.in_store", OnLink, cel.IntType, "others found among stored subjects rather than in this input",
		func(f *facts) any { return int64(f.link.InStore) }},
	{"link.others_linked", OnLink, cel.IntType, "others of this input that share a further payout account, wallet, phone, e-mail, device or profile with other records (values of up to 20 holders)",
		func(f *facts) any { return int64(f.link.OthersLinked) }},

	{"resume.similarity", OnResume, cel.DoubleType, "highest estimated similarity to another subject's resume, 0–1",
		func(f *facts) any { return f.resume.Similarity }},
	{"resume.others", OnResume, cel.IntType, "other subjects with a near-duplicate resume",
		func(f *facts) any { return int64(len(f.resume.Others)) }},
	{"resume.unrelated", OnResume, cel.IntType, "of those, subjects with another name outside this record's household",
		func(f *facts) any { return int64(f.resume.Unrelated) }},

	{"cluster.members", OnCluster, cel.IntType, "subjects in the record's cluster, this one included (docs/LINKS.md)",
		func(f *facts) any { return int64(len(f.cluster.Members)) }},
	{"cluster.names", OnCluster, cel.IntType, "distinct names in the cluster, a household counting once",
		func(f *facts) any { return int64(f.cluster.Names) }},
	{"cluster.score", OnCluster, cel.IntType, "the cluster's score, 0–100, from what people of different names share in it (members' intelligence matches left out: see cluster.listed_others)",
		func(f *facts) any { return int64(f.cluster.SharedScore()) }},
	{"cluster.level", OnCluster, cel.StringType, "the level of cluster.score: clear, low, medium, high or critical",
		func(f *facts) any { return risk.LevelOf(f.cluster.SharedScore()) }},
	{"cluster.listed_others", OnCluster, cel.IntType, "other members of another name, outside this record's household, that match the loaded intelligence high on their own (a sanctioned wallet, a listed person)",
		func(f *facts) any { return int64(f.cluster.ListedOthers(f.recno)) }},

	{"finding.source", OnFinding, cel.StringType, "the analysis: farm (device and sign-in telemetry, docs/TELEMETRY.md) or consortium (the hub's answer about blinded identifiers, docs/HUB.md)",
		func(f *facts) any { return f.finding.Source }},
	{"finding.kind", OnFinding, cel.StringType, "farm: farm, ip_kvm, remote_access, anonymized_signin, impossible_travel, location_mismatch, off_hours, ship_mismatch, never_enrolled; consortium: active_elsewhere",
		func(f *facts) any { return f.finding.Kind }},
	{"finding.level", OnFinding, cel.StringType, "the level the analysis gave it: low, medium, high or critical",
		func(f *facts) any { return f.finding.Level }},
	{"finding.points", OnFinding, cel.IntType, "what the analysis weighs it at, 0–100",
		func(f *facts) any { return int64(f.finding.Points) }},
	{"finding.identifier", OnFinding, cel.StringType, "consortium: the kind of identifier other members hold: identity (document and birth date), id_document, phone, email, bank_account, wallet, device, address",
		func(f *facts) any { return f.finding.Identifier }},
	{"finding.members", OnFinding, cel.IntType, "consortium: how many other members hold the identifier",
		func(f *facts) any { return int64(f.finding.Members) }},
	{"finding.fraud", OnFinding, cel.IntType, "consortium: how many of those confirmed its holder fraudulent",
		func(f *facts) any { return int64(f.finding.Fraud) }},
	{"finding.people", OnFinding, cel.IntType, "farm: people whose devices the finding names, this one included",
		func(f *facts) any { return int64(f.finding.People) }},
	{"finding.devices", OnFinding, cel.IntType, "farm: managed devices the finding names",
		func(f *facts) any { return int64(f.finding.Devices) }},
	{"finding.days", OnFinding, cel.IntType, "farm: distinct days the evidence spans",
		func(f *facts) any { return int64(f.finding.Days) }},
}

var signalByName = func() map[string]*signal {
	m := make(map[string]*signal, len(signals))
	for i := range signals {
		m[signals[i].name] = &signals[i]
	}
	return m
}()

// Signals lists the variables of the rule language: name, fact type,
// CEL type and meaning, in documentation order.
func Signals() [][4]string {
	out := make([][4]string, len(signals))
	for i, s := range signals {
		out[i] = [4]string{s.name, s.on, s.typ.String(), s.doc}
	}
	return out
}

// isSanctions says whether a hit comes from a government sanctions list.
func isSanctions(h *match.Hit) bool {
	if len(h.Programs) > 0 {
		return true
	}
	switch {
	case h.Source == "ofac-sdn", h.Source == "ofac-consolidated", h.Source == "un-consolidated":
		return true
	case len(h.Source) > 8 && h.Source[:8] == "wallets:":
		return true
	}
	return false
}
