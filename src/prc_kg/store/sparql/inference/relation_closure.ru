# title: Broader relation properties of every direct edge of a finding (an update, applied until nothing changes)
# answer: adds ?s ?super ?o for every relation property ?super under prc:associatedWith above the property of an edge ?s ?p ?o, so a property path such as prc:associatedWith+ or prc:predicts+ walks the edges of every narrower property, as a reasoner would entail

PREFIX prc: <https://w3id.org/prc-kg/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?s ?super ?o } WHERE {
  ?super rdfs:subPropertyOf* prc:associatedWith .
  ?p rdfs:subPropertyOf+ ?super .
  ?s ?p ?o .
  FILTER NOT EXISTS { ?s ?super ?o }
}
