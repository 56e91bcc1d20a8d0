"""Regional Innovation Index, performance groups and innovation gaps, after the RIS method.

The Regional Innovation Scoreboard (RIS) summarises normalised component indicators into one
Regional Innovation Index, expresses it relative to the EU (EU = 100) and sorts regions into
four performance groups with three subgroups each. This package does the same on the Eurostat
regional indicators of our catalog, and adds gap measures (to the EU, to the next group, to the
best region of the same country, change over time) and convergence statistics. The method, the
boundary rules and the sources are written up in docs/methodology_innovation_gap.md; the tests
in tests/indicators/innovation/ check them.

Modules, one job each:
- `specs`: ids, components, cut points and the IndicatorSpec of every derived id;
- `rows`: the tidy output rows and the small frame helpers the other modules share;
- `index`: component coverage, scores, the EU reference and the index (`compute`);
- `gaps`: performance groups, gaps, change since a base year, sigma and beta convergence;
- `areas`: user-defined areas (pseudo-regions) aggregated from member regions.

Input `values`: one row per indicator_id, geo_code, nuts_level, year and sex with columns
indicator_id, geo_code, nuts_level (int; -1 EU aggregate, 0 countries, 1-3 regions),
nuts_version, year, sex (F/M/T), value (float; NaN = missing), flag (str or None), source
('eurostat', 'user', 'demo'). Only sex 'T' rows of the component indicators (and of
`population_persons`, for weights) are read; everything else is ignored. Missing values are never
imputed: a NaN (or non-finite) value is treated exactly like an absent row.

Output frames of derived values always have the columns of `OUTPUT_COLUMNS`: grain one row per
indicator_id, geo_code, nuts_level, year (sex always 'T'); rows whose value cannot be computed
are absent, never NaN. `flag` holds 'e', 'p', 'ep' or None (the e/p letters of any input flag);
`source` is 'demo' when any input row is demo, else 'derived'.

Regions and pseudo-regions. A geo_code shaped like a NUTS code (two capital letters and up to
three letters/digits) is a region. Any other code at levels 0-3 (e.g. an area built by
`areas.aggregate_area`, such as 'AREA:SPECTRA') is a pseudo-region: it is scored with the
normalisation fitted on the regions of its level (like the EU27_2020 aggregate), so adding it
never changes a region's score, and it is left out of the EU fallback mean, of the Leader and
Emerging third cut points (unless no region reaches those groups), of the country-best gap and
of the convergence statistics.
"""
