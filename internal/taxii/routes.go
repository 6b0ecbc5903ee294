package taxii

import "net/http"

// routes lists every endpoint of the server. Paths end in a slash, as TAXII
// URLs do; anything else under the discovery path or the API root is a
// TAXII 404.
func (s *server) routes() {
	root := s.opt.APIRoot
	get := func(h handler) http.Handler { return s.serve(map[string]handler{http.MethodGet: h}, nil) }

	s.mux.Handle(DiscoveryPath+"{$}", get(s.discovery))
	s.mux.Handle(root+"{$}", get(s.apiRoot))
	s.mux.Handle(root+"status/{status}/{$}", get(s.status))
	s.mux.Handle(root+"collections/{$}", get(s.collections))
	s.mux.Handle(root+"collections/{collection}/{$}", get(s.collection))
	s.mux.Handle(root+"collections/{collection}/objects/{$}", s.serve(map[string]handler{
		http.MethodGet:  s.getObjects,
		http.MethodPost: s.addObjects,
	}, nil))
	s.mux.Handle(root+"collections/{collection}/objects/{object}/{$}", get(s.getObject))
	s.mux.Handle(root+"collections/{collection}/objects/{object}/versions/{$}", get(s.versions))
	s.mux.Handle(root+"collections/{collection}/manifest/{$}", get(s.manifest))

	s.mux.Handle(DiscoveryPath, s.serve(nil, s.notFound))
	s.mux.Handle(root, s.serve(nil, s.notFound))
}
