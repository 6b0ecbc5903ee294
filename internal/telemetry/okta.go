package telemetry

import "bytes"

// Okta System Log: the LogEvent objects GET /api/v1/logs returns (a JSON
// array) or that a log export writes one per line. Field names are Okta's
// (https://developer.okta.com/docs/reference/api/system-log/, "LogEvent
// object"; the Okta SDKs' LogClient, LogGeographicalContext, LogGeolocation,
// LogSecurityContext, LogOutcome and LogDebugContext models):
//
//	published                                  Time (ISO 8601 / RFC 3339)
//	eventType                                  which events are sign-ins
//	actor.alternateId                          User (the Okta login)
//	client.ipAddress                           IP
//	client.userAgent.rawUserAgent              SignInInfo.UserAgent
//	client.geographicalContext.city            Location.City
//	client.geographicalContext.state           Location.Region
//	client.geographicalContext.country         Location.Country (a name: "United States" → US)
//	client.geographicalContext.geolocation     Location.Lat, Lon
//	securityContext.asNumber, asOrg, isp       SignInInfo.ASN, ASOrg, ISP
//	securityContext.isProxy                    SignInInfo.IsProxy
//	outcome.result                             SignInInfo.Outcome
//	debugContext.debugData.dtHash              SignInInfo.DeviceToken (device token hash)
//	device.id                                  SignInInfo.DeviceToken when there is no dtHash
//
// client.device is a device class ("Computer", "Mobile"), the same for
// everyone, so it is not read as a device token.

type oktaDecoder struct {
	sc scan
	in interner
	f  oktaFields
}

type oktaFields struct {
	published, eventType, user, ip, userAgent []byte
	city, state, country                      []byte
	lat, lon                                  []byte
	asn, asOrg, isp                           []byte
	isProxy                                   bool
	outcome, dtHash, deviceID                 []byte
}

// isOktaSignIn says whether an event type is a sign-in: a session start
// or any step of authentication (user.authentication.sso,
// user.authentication.auth_via_mfa, user.authentication.verify, …).
var oktaAuthPrefix = []byte("user.authentication.")

func isOktaSignIn(t []byte) bool {
	return string(t) == "user.session.start" || bytes.HasPrefix(t, oktaAuthPrefix)
}

func (d *oktaDecoder) decode(s *sink, rec []byte, line int) {
	sc, f := &d.sc, &d.f
	sc.reset(rec)
	*f = oktaFields{}
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "published":
			sc.at = "published"
			f.published = sc.str()
		case "eventType":
			sc.at = "eventType"
			f.eventType = sc.str()
		case "actor":
			sc.at = "actor"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				if string(k) == "alternateId" {
					sc.at = "actor.alternateId"
					f.user = sc.str()
				} else {
					sc.skipMember("actor", k)
				}
			}
		case "client":
			sc.at = "client"
			d.client()
		case "securityContext":
			sc.at = "securityContext"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				switch string(k) {
				case "asNumber":
					sc.at = "securityContext.asNumber"
					f.asn = sc.number()
				case "asOrg":
					sc.at = "securityContext.asOrg"
					f.asOrg = sc.str()
				case "isp":
					sc.at = "securityContext.isp"
					f.isp = sc.str()
				case "isProxy":
					sc.at = "securityContext.isProxy"
					f.isProxy = sc.boolean()
				default:
					sc.skipMember("securityContext", k)
				}
			}
		case "outcome":
			sc.at = "outcome"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				if string(k) == "result" {
					sc.at = "outcome.result"
					f.outcome = sc.str()
				} else {
					sc.skipMember("outcome", k)
				}
			}
		case "debugContext":
			sc.at = "debugContext"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				if string(k) != "debugData" {
					sc.skipMember("debugContext", k)
					continue
				}
				sc.at = "debugContext.debugData"
				for more := sc.object(); more; more = sc.next() {
					k := sc.key()
					if string(k) == "dtHash" {
						sc.at = "debugContext.debugData.dtHash"
						f.dtHash = sc.str()
					} else {
						sc.skipMember("debugContext.debugData", k)
					}
				}
			}
		case "device":
			sc.at = "device"
			if sc.peek() != '{' {
				sc.skip()
				continue
			}
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				if string(k) == "id" {
					sc.at = "device.id"
					f.deviceID = sc.str()
				} else {
					sc.skipMember("device", k)
				}
			}
		default:
			sc.skipMember("", k)
		}
	}
	sc.end()
	if sc.failed {
		s.problem(line, sc.field, sc.reason)
		return
	}
	if f.eventType == nil {
		s.problem(line, "eventType", "missing; an Okta LogEvent names its type")
		return
	}
	if !isOktaSignIn(f.eventType) {
		return // not a sign-in: nothing to say about devices
	}
	if f.published == nil {
		s.problem(line, "published", "missing; "+rfc3339Want)
		return
	}
	t, ok := parseRFC3339(f.published)
	if !ok {
		s.problem(line, "published", rfc3339Want+", got "+quote(f.published))
		return
	}
	e := s.add(FormatOkta, SignIn, line)
	e.Time = t
	e.User = d.in.str(f.user)
	if len(f.ip) > 0 {
		ip, bad := parseIP(f.ip)
		if bad != "" {
			s.drop()
			s.problem(line, "client.ipAddress", bad)
			return
		}
		e.IP = ip
	}
	e.Location.City = d.in.str(f.city)
	e.Location.Region = d.in.str(f.state)
	e.Location.Country, _ = d.in.country(f.country)
	if field, bad := setCoords(&e.Location, f.lat, f.lon,
		"client.geographicalContext.geolocation.lat", "client.geographicalContext.geolocation.lon"); bad != "" {
		s.drop()
		s.problem(line, field, bad)
		return
	}
	si := s.signin()
	e.SignInInfo = si
	si.Outcome = d.in.str(f.outcome)
	si.IsProxy = f.isProxy
	if len(f.asn) > 0 {
		n, ok := parseInt(f.asn)
		if !ok || n < 0 || n > 1<<32-1 {
			s.drop()
			s.problem(line, "securityContext.asNumber", "want an AS number, got "+string(f.asn))
			return
		}
		si.ASN = n
	}
	si.ASOrg = d.in.str(f.asOrg)
	si.ISP = d.in.str(f.isp)
	if len(f.dtHash) > 0 {
		si.DeviceToken = d.in.str(f.dtHash)
	} else {
		si.DeviceToken = d.in.str(f.deviceID)
	}
	si.UserAgent = d.in.str(f.userAgent)
}

func (d *oktaDecoder) client() {
	sc, f := &d.sc, &d.f
	for more := sc.object(); more; more = sc.next() {
		k := sc.key()
		switch string(k) {
		case "ipAddress":
			sc.at = "client.ipAddress"
			f.ip = sc.str()
		case "userAgent":
			sc.at = "client.userAgent"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				if string(k) == "rawUserAgent" {
					sc.at = "client.userAgent.rawUserAgent"
					f.userAgent = sc.str()
				} else {
					sc.skipMember("client.userAgent", k)
				}
			}
		case "geographicalContext":
			sc.at = "client.geographicalContext"
			for more := sc.object(); more; more = sc.next() {
				k := sc.key()
				switch string(k) {
				case "city":
					sc.at = "client.geographicalContext.city"
					f.city = sc.str()
				case "state":
					sc.at = "client.geographicalContext.state"
					f.state = sc.str()
				case "country":
					sc.at = "client.geographicalContext.country"
					f.country = sc.str()
				case "geolocation":
					sc.at = "client.geographicalContext.geolocation"
					for more := sc.object(); more; more = sc.next() {
						k := sc.key()
						switch string(k) {
						case "lat":
							sc.at = "client.geographicalContext.geolocation.lat"
							f.lat = sc.number()
						case "lon":
							sc.at = "client.geographicalContext.geolocation.lon"
							f.lon = sc.number()
						default:
							sc.skipMember("client.geographicalContext.geolocation", k)
						}
					}
				default:
					sc.skipMember("client.geographicalContext", k)
				}
			}
		default:
			sc.skipMember("client", k)
		}
	}
}
