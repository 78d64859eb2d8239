"""Operations routes: health and readiness probes, ``/metrics``, the JWK Set."""
