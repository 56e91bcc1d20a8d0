"""Catalog of indicators read directly from Eurostat regional datasets.

Each `CatalogIndicator` names one published dataset and fixes every non-geo, non-time, non-sex
dimension to a single code, so that the rows left are one series per region, year (and sex when
`sex_dim` is set). Grain of every catalog indicator: one value per `geo_code`, `year` and `sex`
(`sex` is always `T` when the indicator has no sex breakdown).

Dimension names are the lower-case SDMX ids Eurostat uses (`freq`, `unit`, `sectperf`, ...);
codes are the SDMX codes (`A`, `PC_GDP`, ...), never the English labels. Flags travel unchanged
with the values (`b` break, `p` provisional, `e` estimate, `u` low reliability, `c`
confidential); nothing here drops or corrects flagged values.

`verified` is True only where the dataset code and the filter codes were found in a stored
public source (Eurostat metadata, package code or docs that query the dataset with those codes,
or one of the real publisher files in ../shared/data/real). `verification_note` says which; the
full evidence table is docs/catalog_verification.md. Indicators derived from several catalog
series (e.g. the share of women among researchers) do not belong here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from indicators.spec import CatalogIndicator, Direction, Domain, Source

EVIDENCE_DOC = "docs/catalog_verification.md"

# Shared caveats. Regional LFS figures come from a sample survey: the same wording applies to
# every LFS-based table, so it is written once.
LFS_CAVEAT = (
    "EU-LFS sample survey: 2021 break in series (new framework regulation, flag b); small "
    "regions often flagged u (low reliability) or suppressed. Regional codes follow the NUTS "
    "version of the release (NUTS 2021 for recent years; older years may use NUTS 2016)."
)
RD_CAVEAT = (
    "Not every country reports NUTS 2: some publish NUTS 1 or national figures only; some "
    "report odd years only; business-sector values may be confidential in small regions."
)
NUTS_VERSION_CAVEAT = (
    "Codes follow the NUTS version of the current release (NUTS 2021); boundary changes "
    "(e.g. HR, NL, IE, IT, EE) break series for the regions concerned."
)
SILC_CAVEAT = (
    "EU-SILC sample survey: some countries publish NUTS 1 or national figures only; small "
    "regions may be flagged u."
)
ICT_CAVEAT = (
    "ICT household survey: several countries publish NUTS 1 or national figures only; survey "
    "estimates for small regions can be volatile."
)


def _eurostat(dataset: str, **fields: Any) -> CatalogIndicator:
    """Build a catalog entry whose single source is the Eurostat `dataset` it reads."""
    return CatalogIndicator(dataset=dataset, sources=(Source(dataset),), **fields)


EUROSTAT_CATALOG: tuple[CatalogIndicator, ...] = (
    # --- innovation: R&D expenditure (rd_e_gerdreg) -------------------------------------
    _eurostat(
        "rd_e_gerdreg",
        indicator_id="gerd_total_pct_gdp",
        title="R&D expenditure (GERD), all sectors",
        description="Gross domestic expenditure on R&D, all sectors of performance, % of GDP.",
        unit="% of GDP",
        decimals=2,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("sectperf", "TOTAL"), ("unit", "PC_GDP")),
        caveats=RD_CAVEAT,
        verified=True,
        verification_note=(
            "sectperf TOTAL + unit PC_GDP queried in a public Node.js indicator config and in "
            "paezha/edashop R/edashop-package.R (rd_e_gerdreg_SECTPERF_TOTAL_UNIT_PC_GDP)."
        ),
    ),
    _eurostat(
        "rd_e_gerdreg",
        indicator_id="gerd_business_pct_gdp",
        title="Business R&D expenditure (BERD)",
        description="R&D expenditure performed by the business enterprise sector, % of GDP.",
        unit="% of GDP",
        decimals=2,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("sectperf", "BES"), ("unit", "PC_GDP")),
        caveats=RD_CAVEAT,
        verified=True,
        verification_note=(
            "paezha/edashop R/edashop-package.R lists rd_e_gerdreg_SECTPERF_BES_UNIT_PC_GDP; "
            "sectperf BES also used in public query scripts."
        ),
    ),
    _eurostat(
        "rd_e_gerdreg",
        indicator_id="gerd_government_pct_gdp",
        title="Government R&D expenditure",
        description="R&D expenditure performed by the government sector, % of GDP.",
        unit="% of GDP",
        decimals=2,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("sectperf", "GOV"), ("unit", "PC_GDP")),
        caveats=RD_CAVEAT,
        verified=True,
        verification_note=(
            "paezha/edashop R/edashop-package.R lists rd_e_gerdreg_SECTPERF_GOV_UNIT_PC_GDP."
        ),
    ),
    _eurostat(
        "rd_e_gerdreg",
        indicator_id="gerd_higher_education_pct_gdp",
        title="Higher-education R&D expenditure",
        description="R&D expenditure performed by the higher education sector, % of GDP.",
        unit="% of GDP",
        decimals=2,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("sectperf", "HES"), ("unit", "PC_GDP")),
        caveats=RD_CAVEAT,
        verified=True,
        verification_note=(
            "paezha/edashop R/edashop-package.R lists rd_e_gerdreg_SECTPERF_HES_UNIT_PC_GDP."
        ),
    ),
    # --- innovation: R&D personnel (rd_p_persreg) ----------------------------------------
    _eurostat(
        "rd_p_persreg",
        indicator_id="rd_personnel_fte_pct_active",
        title="R&D personnel (full-time equivalent)",
        description=(
            "R&D personnel and researchers, all sectors, in full-time equivalent, % of the "
            "active population."
        ),
        unit="% of active population",
        decimals=2,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        filters=(
            ("freq", "A"),
            ("prof_pos", "TOTAL"),
            ("sectperf", "TOTAL"),
            ("sex", "T"),
            ("unit", "PC_ACT_FTE"),
        ),
        caveats=RD_CAVEAT,
        verified=True,
        verification_note=(
            "prof_pos TOTAL, sectperf TOTAL, sex T, unit PC_ACT_FTE queried in a public Node.js "
            "indicator config (two versions); prof_pos/sectperf/sex/unit dimension names also "
            "in rOpenGov/regions data-raw/regional_rd_personnell.R (unit FTE)."
        ),
    ),
    _eurostat(
        "rd_p_persreg",
        indicator_id="rd_personnel_headcount_pct_active",
        title="R&D personnel (head count), by sex",
        description=(
            "R&D personnel and researchers, all sectors, head count, % of the active "
            "population of the same sex."
        ),
        unit="% of active population",
        decimals=2,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(
            ("freq", "A"),
            ("prof_pos", "TOTAL"),
            ("sectperf", "TOTAL"),
            ("unit", "PC_ACT_HC"),
        ),
        caveats=RD_CAVEAT + " Sex breakdown is missing for several countries and years.",
        verified=True,
        verification_note=(
            "Public Node.js indicator config queries rd_p_persreg with prof_pos TOTAL, "
            "sectperf TOTAL, sex F, unit PC_ACT_HC."
        ),
    ),
    _eurostat(
        "rd_p_persreg",
        indicator_id="researchers_headcount",
        title="Researchers (head count), by sex",
        description=(
            "Number of researchers, all sectors, head count. Input for derived indicators such "
            "as the share of women among researchers."
        ),
        unit="persons",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("prof_pos", "RSE"), ("sectperf", "TOTAL"), ("unit", "HC")),
        conversion="sum",  # a head count: split by population share
        caveats=(
            RD_CAVEAT + " A count: compare regions only through derived ratios, not directly."
        ),
        verified=False,
        verification_note=(
            "unit HC, sectperf TOTAL and sex are used with rd_p_persreg in public code; "
            "prof_pos RSE was found only for the national table rd_p_persocc, not for "
            "rd_p_persreg. Check the code list before relying on it."
        ),
    ),
    # --- innovation: human resources in S&T ---------------------------------------------
    _eurostat(
        "hrst_st_rcat",
        indicator_id="hrst_pct_active",
        title="Human resources in science and technology",
        description=(
            "Persons with tertiary education and/or employed in a science and technology "
            "occupation (HRST), % of the active population."
        ),
        unit="% of active population",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("category", "HRST"), ("unit", "PC_ACT")),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "A public data-source table documents hrst_st_rcat with category=HRST, "
            "unit=PC_ACT; category codes HRST/HRSTE/HRSTO/HRSTC/SE in paezha/edashop "
            "R/edashop-package.R."
        ),
    ),
    _eurostat(
        "hrst_st_rcat",
        indicator_id="scientists_engineers_pct_active",
        title="Scientists and engineers",
        description="Scientists and engineers (HRST sub-group SE), % of the active population.",
        unit="% of active population",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("category", "SE"), ("unit", "PC_ACT")),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "A public research note and script query hrst_st_rcat with category=SE, "
            "unit=PC_ACT, geoLevel=nuts2 against the Eurostat API."
        ),
    ),
    _eurostat(
        "hrst_st_rsex",
        indicator_id="hrst_by_sex_pct_active",
        title="Human resources in science and technology, by sex",
        description=(
            "Persons with tertiary education and/or employed in S&T (HRST), % of the active "
            "population of the same sex."
        ),
        unit="% of active population",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("category", "HRST"), ("unit", "PC_ACT")),
        caveats=LFS_CAVEAT + " Older releases of this table were published at NUTS 1 only.",
        verified=False,
        verification_note=(
            "Dataset and its category/sex dimensions confirmed (public R script filters "
            "hrst_st_rsex on category HRSTO, unit THS_PER, sex F/M); unit PC_ACT was seen only "
            "for hrst_st_rcat, not for hrst_st_rsex."
        ),
    ),
    # --- innovation: high-tech and knowledge-intensive employment ------------------------
    _eurostat(
        "htec_emp_reg2",
        indicator_id="high_tech_employment_pct",
        title="Employment in high-technology sectors",
        description=(
            "Employment in high-technology manufacturing and knowledge-intensive "
            "high-technology services, % of total employment."
        ),
        unit="% of total employment",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("nace_r2", "HTC"), ("unit", "PC_EMP")),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "nace_r2 HTC, unit PC_EMP with sex T and F queried in a public Node.js indicator "
            "config; paezha/edashop lists htec_emp_reg2_NACE_R2_HTC_UNIT_PC_EMP_SEX_T."
        ),
    ),
    _eurostat(
        "htec_emp_reg2",
        indicator_id="knowledge_intensive_services_employment_pct",
        title="Employment in knowledge-intensive services",
        description="Employment in knowledge-intensive services (KIS), % of total employment.",
        unit="% of total employment",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("nace_r2", "KIS"), ("unit", "PC_EMP")),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "paezha/edashop R/edashop-package.R lists htec_emp_reg2_NACE_R2_KIS_UNIT_PC_EMP_SEX_T."
        ),
    ),
    # --- innovation: skills --------------------------------------------------------------
    _eurostat(
        "edat_lfse_04",
        indicator_id="tertiary_attainment_25_64_pct",
        title="Tertiary educational attainment, age 25-64",
        description="Population aged 25-64 with tertiary education (ISCED 5-8), %.",
        unit="% of population aged 25-64",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("age", "Y25-64"), ("isced11", "ED5-8"), ("unit", "PC")),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "age Y25-64 + isced11 ED5-8 + unit PC: paezha/edashop "
            "(edat_lfse_04_SEX_T_ISCED11_ED5-8_AGE_Y25-64_UNIT_PC), a public Node.js config "
            "(sex T and F) and a public education registry whose codes are stated as checked "
            "against the API."
        ),
    ),
    _eurostat(
        "edat_lfse_04",
        indicator_id="tertiary_attainment_25_34_pct",
        title="Tertiary educational attainment, age 25-34",
        description=(
            "Population aged 25-34 with tertiary education (ISCED 5-8), %. The EU 2030 "
            "target is at least 45 %."
        ),
        unit="% of population aged 25-34",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("age", "Y25-34"), ("isced11", "ED5-8"), ("unit", "PC")),
        caveats=LFS_CAVEAT + " Narrow age band: more regions flagged u than for 25-64.",
        verified=True,
        verification_note=(
            "A public education registry (codes stated as checked against the API) queries "
            "edat_lfse_04 with age Y25-34, isced11 ED5-8, unit PC, sex T/M/F."
        ),
    ),
    _eurostat(
        "trng_lfse_04",
        indicator_id="lifelong_learning_pct",
        title="Adult participation in learning",
        description=(
            "Population aged 25-64 who took part in education or training in the four weeks "
            "before the survey, %."
        ),
        unit="% of population aged 25-64",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("age", "Y25-64"), ("unit", "PC")),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "A public education registry queries trng_lfse_04 with age Y25-64, unit PC, sex "
            "T/M/F; a public README shows the bulk key unit,sex,age,geo (e.g. PC,F,Y25-64,AT)."
        ),
    ),
    _eurostat(
        "pat_ep_rtot",
        indicator_id="epo_patent_applications_per_million_inhabitants",
        title="Patent applications to the EPO",
        description="Patent applications to the European Patent Office, per million inhabitants.",
        unit="per million inhabitants",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.INNOVATION,
        nuts_levels=(0, 1, 2, 3),
        filters=(("freq", "A"), ("unit", "P_MHAB")),
        caveats=(
            "Discontinued: the regional patent tables are no longer updated (last reference "
            "year about 2012) and use an older NUTS version, so recent maps will be empty or "
            "stale. Kept for historical comparison only."
        ),
        verified=True,
        verification_note=(
            "unit P_MHAB (and NR) queried in a public Node.js indicator config; a public data "
            "note records that pat_ep_rtot is NUTS 3 but ends in 2012."
        ),
    ),
    # --- gender: labour market, youth and health by sex ---------------------------------
    _eurostat(
        "lfst_r_lfe2emprt",
        indicator_id="employment_rate_pct",
        title="Employment rate, age 20-64",
        description="Employed persons aged 20-64, % of the population of the same age and sex.",
        unit="% of population aged 20-64",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.GENDER,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("age", "Y20-64"), ("unit", "PC")),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "age Y20-64 + unit PC + sex: public API URLs in a JS dashboard and live acceptance "
            "tests of a public Python package (which also note that Y25-54 is not a valid "
            "age code for this dataset)."
        ),
    ),
    _eurostat(
        "lfst_r_lfu3rt",
        indicator_id="unemployment_rate_pct",
        title="Unemployment rate, age 15-74",
        description="Unemployed persons aged 15-74, % of the labour force of the same sex.",
        unit="% of labour force",
        decimals=1,
        direction=Direction.LOWER,
        domain=Domain.GENDER,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("age", "Y15-74"), ("isced11", "TOTAL"), ("unit", "PC")),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "age Y15-74, isced11 TOTAL, unit PC, sex T/F: public Eurostat API URLs in two JS "
            "projects and a public Node.js indicator config."
        ),
    ),
    _eurostat(
        "edat_lfse_22",
        indicator_id="neet_rate_pct",
        title="Young people neither in employment nor in education or training (NEET)",
        description=(
            "Persons aged 15-29 not employed and not in education or training, % of the "
            "population of the same age and sex."
        ),
        unit="% of population aged 15-29",
        decimals=1,
        direction=Direction.LOWER,
        domain=Domain.GENDER,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(
            ("freq", "A"),
            ("age", "Y15-29"),
            ("training", "NO_FE_NO_NFE"),
            ("unit", "PC"),
            ("wstatus", "NEMP"),
        ),
        caveats=LFS_CAVEAT,
        verified=True,
        verification_note=(
            "A public education registry (codes stated as checked against the API) queries "
            "edat_lfse_22 with age Y15-29, training NO_FE_NO_NFE, wstatus NEMP, unit PC, sex "
            "T/M/F; a public dbt model also reads ages Y15-29 and Y18-24 from it."
        ),
    ),
    _eurostat(
        "demo_r_mlifexp",
        indicator_id="life_expectancy_years",
        title="Life expectancy at birth",
        description="Mean number of years a newborn would live at current mortality rates.",
        unit="years",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.GENDER,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("age", "Y_LT1"), ("unit", "YR")),
        caveats=(
            NUTS_VERSION_CAVEAT + " Small regions have volatile life tables from year to year."
        ),
        verified=True,
        verification_note=(
            "age Y_LT1 with sex T/F/M in a public Node.js indicator config; unit YR with sex "
            "and age in a public API URL for demo_r_mlifexp."
        ),
    ),
    # --- social --------------------------------------------------------------------------
    _eurostat(
        "lfst_r_ergau",
        indicator_id="employment_rate_rural_pct",
        title="Employment rate in rural areas, age 25-64",
        description=(
            "Employed persons aged 25-64 living in rural areas (degree of urbanisation), % of "
            "the population of the same age and sex."
        ),
        unit="% of population aged 25-64",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.SOCIAL,
        nuts_levels=(0,),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("unit", "PC"), ("deg_urb", "DEG3"), ("age", "Y25-64")),
        caveats=(
            "Country level only: degree of urbanisation replaces the regional breakdown. "
            "The real file in ../shared holds M and F only (no T), DEG1-DEG3 only (no total) "
            "and English labels rather than codes. " + LFS_CAVEAT
        ),
        verified=True,
        verification_note=(
            "SDMX key A.PC.DEG1+DEG2+DEG3.Y15-24+Y25-64+Y65-74.M+F in asasmesquita/Adamastor "
            "src/classes/getData.py (the query behind the real file), whose header confirms "
            "the dimensions freq, unit, deg_urb, age, sex, geo."
        ),
    ),
    _eurostat(
        "ilc_peps11n",
        indicator_id="at_risk_of_poverty_or_social_exclusion_pct",
        title="At risk of poverty or social exclusion (AROPE)",
        description=(
            "Persons at risk of poverty or severely materially and socially deprived or in a "
            "household with very low work intensity, % of the population (EU 2030 definition)."
        ),
        unit="% of population",
        decimals=1,
        direction=Direction.LOWER,
        domain=Domain.SOCIAL,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("unit", "PC")),
        caveats=(
            SILC_CAVEAT + " EU 2030 definition; not comparable with the Europe 2020 series "
            "(ilc_peps11)."
        ),
        verified=False,
        verification_note=(
            "Dataset code confirmed in several public projects (API URLs, R scripts), none "
            "showing its filters; unit PC was seen only for the predecessor ilc_peps11."
        ),
    ),
    _eurostat(
        "edat_lfse_16",
        indicator_id="early_leavers_pct",
        title="Early leavers from education and training",
        description=(
            "Persons aged 18-24 with at most lower secondary education and not in further "
            "education or training, % of the population of the same age and sex."
        ),
        unit="% of population aged 18-24",
        decimals=1,
        direction=Direction.LOWER,
        domain=Domain.SOCIAL,
        nuts_levels=(0, 1, 2),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("age", "Y18-24"), ("unit", "PC")),
        caveats=LFS_CAVEAT + " Many regional values are flagged u or suppressed.",
        verified=True,
        verification_note=(
            "A public education registry (codes stated as checked against the API) queries "
            "edat_lfse_16 with age Y18-24, unit PC, sex T/M/F."
        ),
    ),
    # --- sustainability ------------------------------------------------------------------
    _eurostat(
        "env_rwas_gen",
        indicator_id="municipal_waste_kg_per_capita",
        title="Municipal waste generated",
        description="Municipal waste generated, kilograms per inhabitant per year.",
        unit="kg per inhabitant",
        decimals=0,
        direction=Direction.LOWER,
        domain=Domain.SUSTAINABILITY,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("unit", "KG_HAB"), ("wst_oper", "GEN")),
        caveats=(
            "Regional waste statistics come from a pilot data collection: irregular years, "
            "patchy country coverage and national differences in what counts as municipal "
            "waste. " + NUTS_VERSION_CAVEAT
        ),
        verified=True,
        verification_note=(
            "wst_oper GEN (with unit THS_T) in a public R script using eurostat::get_eurostat; "
            "unit KG_HAB as the default filter of a public R package's process_waste()."
        ),
    ),
    # --- digital -------------------------------------------------------------------------
    _eurostat(
        "isoc_r_broad_h",
        indicator_id="broadband_households_pct",
        title="Households with broadband access",
        description="Households with a broadband internet connection, % of all households.",
        unit="% of households",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.DIGITAL,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("unit", "PC_HH")),
        caveats=ICT_CAVEAT,
        verified=True,
        verification_note=(
            "Public R scripts filter isoc_r_broad_h on unit PC_HH (share of all households) "
            "and PC_HH_IACC (share of households with internet access); no indic_is "
            "dimension is filtered."
        ),
    ),
    _eurostat(
        "isoc_r_iuse_i",
        indicator_id="internet_regular_users_pct",
        title="Individuals regularly using the internet",
        description=(
            "Individuals who used the internet at least once a week (regular users), % of "
            "individuals aged 16-74."
        ),
        unit="% of individuals",
        decimals=1,
        direction=Direction.HIGHER,
        domain=Domain.DIGITAL,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("indic_is", "I_IUSE"), ("unit", "PC_IND")),
        caveats=ICT_CAVEAT,
        verified=True,
        verification_note=(
            "indic_is I_IUSE + unit PC_IND queried in a public Node.js indicator config; "
            "rOpenGov/regions R/data-daily_internet.R filters the same dataset on indic_is "
            "I_IDAY, unit PC_IND. The label 'at least once a week' is Eurostat's usual meaning "
            "of I_IUSE, not read from the code list."
        ),
    ),
    # --- context -------------------------------------------------------------------------
    _eurostat(
        "demo_r_d3dens",
        indicator_id="population_density_per_km2",
        title="Population density",
        description="Average population per square kilometre of land area.",
        unit="persons per km²",
        decimals=1,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        nuts_levels=(0, 1, 2, 3),
        filters=(("freq", "A"), ("unit", "PER_KM2")),
        caveats=NUTS_VERSION_CAVEAT,
        conversion_weight="areaKm",  # persons per km2: a mean weighted by area
        verified=True,
        verification_note=(
            "SDMX key A.PER_KM2 in asasmesquita/Adamastor src/classes/getData.py (the query "
            "behind the real file, whose header is freq, unit, geo); unit PER_KM2 also in a "
            "public Node.js indicator config."
        ),
    ),
    _eurostat(
        "demo_r_pjangrp3",
        indicator_id="population_persons",
        title="Population on 1 January",
        description="Resident population on 1 January, all ages, both sexes.",
        unit="persons",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        nuts_levels=(0, 1, 2, 3),
        filters=(("freq", "A"), ("age", "TOTAL"), ("sex", "T"), ("unit", "NR")),
        caveats=NUTS_VERSION_CAVEAT,
        conversion="sum",  # a head count: split by population share
        verified=True,
        verification_note=(
            "sex T, age TOTAL, unit NR on demo_r_pjangrp3 in several public API URLs "
            "(D3 maps, shell scripts, Python scripts)."
        ),
    ),
    _eurostat(
        "nama_10r_2gdp",
        indicator_id="gdp_per_capita_pps",
        title="GDP per inhabitant in purchasing power standards",
        description=(
            "Gross domestic product at current market prices per inhabitant, in purchasing "
            "power standards (PPS, EU27 from 2020)."
        ),
        unit="PPS per inhabitant",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("unit", "PPS_EU27_2020_HAB")),
        caveats=(
            "GDP is measured where it is produced, population where people live: commuting "
            "inflates capital regions. Latest years provisional (p). " + NUTS_VERSION_CAVEAT
        ),
        verified=True,
        verification_note=(
            "unit PPS_EU27_2020_HAB (and EUR_HAB) on nama_10r_2gdp in live acceptance tests of "
            "a public Python package and in a public data note."
        ),
    ),
    _eurostat(
        "nama_10r_3gdp",
        indicator_id="gdp_per_capita_eur",
        title="GDP per inhabitant in euro",
        description="Gross domestic product at current market prices per inhabitant, in euro.",
        unit="EUR per inhabitant",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        nuts_levels=(0, 1, 2, 3),
        filters=(("freq", "A"), ("unit", "EUR_HAB")),
        caveats=(
            "Current prices, not adjusted for price levels: compare across countries with "
            "gdp_per_capita_pps. Commuting inflates workplace-based GDP per resident. "
            "Flags p/e/b are frequent. " + NUTS_VERSION_CAVEAT
        ),
        verified=True,
        verification_note=(
            "Real file ../shared/data/real/eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv: key "
            "columns freq,unit,geo; unit EUR_HAB present for NUTS 0-3. Also in a public "
            "Node.js indicator config."
        ),
    ),
    _eurostat(
        "nama_10r_3gdp",
        indicator_id="gdp_per_capita_pps_pct_eu27",
        title="GDP per inhabitant in PPS, EU27 = 100",
        description=(
            "GDP per inhabitant in purchasing power standards as a percentage of the EU27 "
            "(from 2020) average."
        ),
        unit="% of EU27 average",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        nuts_levels=(0, 1, 2, 3),
        filters=(("freq", "A"), ("unit", "PPS_HAB_EU27_2020")),
        caveats=(
            "Index relative to the EU27 average of the same year; cohesion-policy eligibility "
            "uses a three-year average of this measure at NUTS 2. " + NUTS_VERSION_CAVEAT
        ),
        verified=True,
        verification_note=(
            "Real file estat_nama_10r_3gdp.tsv holds unit PPS_HAB_EU27_2020 (next to "
            "PPS_EU27_2020_HAB); the reading 'PPS per inhabitant in % of the EU27 average' "
            "follows Eurostat's unit naming and was not checked against the code list."
        ),
    ),
    # --- creative and cultural industries (CCI) -----------------------------------------
    _eurostat(
        "cult_emp_reg",
        indicator_id="cultural_employment_pct",
        title="Cultural employment",
        description=(
            "Persons employed in cultural occupations or in cultural economic activities "
            "(Eurostat's cultural employment, ESSnet-Culture framework), % of total employment."
        ),
        unit="% of total employment",
        decimals=1,
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("unit", "PC_EMP")),
        caveats=(
            "No sex breakdown by region: Eurostat publishes cultural employment by sex only "
            "by country (cultural_employment_by_sex_pct, cult_emp_sex). Regional series start "
            "in 2011 and the EU-LFS 2021 break applies (flag b); small regions are often "
            "flagged u or suppressed. " + LFS_CAVEAT
        ),
        verified=True,
        verification_note=(
            "A public Svelte map reads Eurostat's cult_emp_reg TSV: key columns "
            "freq,unit,geo\\TIME_PERIOD, units PC_EMP (percentage of total employment) and "
            "THS_PER, NUTS 2 codes, years 2014-2021, and links the data browser page "
            "CULT_EMP_REG. No sex dimension in that file."
        ),
    ),
    _eurostat(
        "cult_emp_reg",
        indicator_id="cultural_employment_thousand_persons",
        title="Cultural employment (persons)",
        description="Persons in cultural employment, thousands. Input for shares and changes.",
        unit="thousand persons",
        decimals=1,
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("unit", "THS_PER")),
        conversion="sum",  # a head count: split by population share
        caveats=(
            "A count: compare regions through cultural_employment_pct, not directly. "
            + LFS_CAVEAT
        ),
        verified=True,
        verification_note="Same cult_emp_reg file as cultural_employment_pct: unit THS_PER.",
    ),
    _eurostat(
        "cult_emp_sex",
        indicator_id="cultural_employment_by_sex_pct",
        title="Cultural employment, by sex (country level)",
        description=(
            "Persons in cultural employment, % of total employment of the same sex. Published "
            "by country only."
        ),
        unit="% of total employment",
        decimals=1,
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        nuts_levels=(0,),
        has_sex=True,
        sex_dim="sex",
        filters=(("freq", "A"), ("unit", "PC_EMP")),
        caveats=(
            "Country level only: Eurostat publishes no regional cultural employment by sex. "
            + LFS_CAVEAT
        ),
        verified=True,
        verification_note=(
            "Public scripts read cult_emp_sex with sex T and unit PC_EMP (an R replication of "
            "the Statistics Explained article 'Culture statistics - cultural employment'; a "
            "Python recomputation keeping sex T and unit PC_EMP), units PC_EMP and THS_PER."
        ),
    ),
    _eurostat(
        "sbs_r_nuts06_r2",
        indicator_id="publishing_persons_employed",
        title="Persons employed in publishing (NACE J58)",
        description=(
            "Persons employed in publishing activities (books, periodicals, software; NACE "
            "Rev. 2 division J58), business economy by region."
        ),
        unit="persons",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("indic_sb", "V16110"), ("nace_r2", "J58")),
        conversion="sum",
        caveats=(
            "Structural business statistics by region (NACE Rev. 2, 2008-2020; continued from "
            "2021 by sbs_r_nuts2021 with other indicator codes): confidential cells (c) are "
            "frequent for small regions. J58 includes software publishing. Section R (arts, "
            "entertainment, libraries, museums) is outside the business statistics and has "
            "no regional counts."
        ),
        verified=True,
        verification_note=(
            "A public R script queries sbs_r_nuts06_r2 with indic_sb V16110 (persons "
            "employed) and nace_r2 J58, J62, J63, M69-M71, M73, N78; a public Python pipeline "
            "names indic_sb V16110 'persons employed' for this dataset."
        ),
    ),
    _eurostat(
        "sbs_r_nuts06_r2",
        indicator_id="advertising_persons_employed",
        title="Persons employed in advertising and market research (NACE M73)",
        description=(
            "Persons employed in advertising and market research (NACE Rev. 2 division M73), "
            "business economy by region."
        ),
        unit="persons",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("indic_sb", "V16110"), ("nace_r2", "M73")),
        conversion="sum",
        caveats=(
            "Structural business statistics by region (2008-2020): confidential cells (c) are "
            "frequent for small regions. M73 includes market research, which is not a "
            "creative activity."
        ),
        verified=True,
        verification_note="Same public R script: sbs_r_nuts06_r2, indic_sb V16110, nace_r2 M73.",
    ),
    _eurostat(
        "sbs_r_nuts06_r2",
        indicator_id="film_music_persons_employed",
        title="Persons employed in film, video, TV and music (NACE J59)",
        description=(
            "Persons employed in motion picture, video and television programme production, "
            "sound recording and music publishing (NACE Rev. 2 division J59), by region."
        ),
        unit="persons",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("indic_sb", "V16110"), ("nace_r2", "J59")),
        conversion="sum",
        caveats=(
            "Structural business statistics by region (2008-2020): small divisions such as "
            "J59 are often confidential (c) or not published for a region."
        ),
        verified=False,
        verification_note=(
            "indic_sb V16110 with division-level nace_r2 codes on sbs_r_nuts06_r2 is in "
            "public code (J58, M73 ...), and J59 is Eurostat's cultural NACE division in "
            "cult_emp_n2 queries; J59 itself was not seen queried on sbs_r_nuts06_r2."
        ),
    ),
    _eurostat(
        "sbs_r_nuts2021",
        indicator_id="film_music_local_units",
        title="Local units in film, video, TV and music (NACE J59)",
        description=(
            "Number of local units (establishments) in motion picture, video, television, "
            "sound recording and music publishing (NACE Rev. 2 J59), by region, from 2021."
        ),
        unit="local units",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("indic_sbs", "LOC_NR"), ("nace_r2", "J59")),
        conversion="sum",
        caveats=(
            "Structural business statistics by region under the 2019 EBS regulation (from "
            "2021, NUTS 2021); not continuous with sbs_r_nuts06_r2. Confidential cells (c) "
            "for small regions."
        ),
        verified=False,
        verification_note=(
            "freq A + indic_sbs LOC_NR ('number of local units') with division-level nace_r2 "
            "codes (P85, Q86-Q88, S96) in a public Python pipeline, and indic_sbs / nace_r2 in "
            "Eurostat map code reading sbs_r_nuts2021 at NUTS 2; J59 was not seen queried."
        ),
    ),
    _eurostat(
        "sbs_r_nuts2021",
        indicator_id="publishing_local_units",
        title="Local units in publishing (NACE J58)",
        description=(
            "Number of local units (establishments) in publishing activities (NACE Rev. 2 "
            "J58), by region, from 2021."
        ),
        unit="local units",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        nuts_levels=(0, 1, 2),
        filters=(("freq", "A"), ("indic_sbs", "LOC_NR"), ("nace_r2", "J58")),
        conversion="sum",
        caveats=(
            "Structural business statistics by region (from 2021): confidential cells (c) for "
            "small regions. J58 includes software publishing."
        ),
        verified=False,
        verification_note=(
            "As film_music_local_units: the dataset, freq A and indic_sbs LOC_NR are in public "
            "code; nace_r2 J58 on this dataset was not seen queried."
        ),
    ),
)


# --- World Bank World Development Indicators (country level, inside and outside NUTS) -----

WORLDBANK_LICENCE = "CC BY 4.0 (World Bank, World Development Indicators)"
WDI_CAVEAT = (
    "Country level only, for every economy the World Bank covers (also outside the NUTS "
    "area). Modelled and interpolated figures are common; WDI carries no observation flags, so "
    "estimates are not marked. Values for EU countries can differ from Eurostat's. No "
    "normative direction is set, so the series stays out of the dashboard's composite indices "
    "(built from Eurostat's regional data)."
)


def _wdi(series: str, **fields: Any) -> CatalogIndicator:
    """A catalog entry reading the WDI series `series` (its female and male variants, codes
    with an FE / MA segment, give sex F and M; see ingest.wdi)."""
    dataset = "wdi_" + series.lower().replace(".", "_")
    source = Source(dataset=f"WDI {series}", publisher="World Bank", licence=WORLDBANK_LICENCE,
                    url=f"https://data.worldbank.org/indicator/{series}")
    if fields.get("has_sex"):
        fields.setdefault("sex_dim", "sex")
    return CatalogIndicator(dataset=dataset, sources=(source,), nuts_levels=(0,),
                            filters=(("series", series),), **fields)


WDI_CATALOG: tuple[CatalogIndicator, ...] = (
    _wdi(
        "SL.TLF.CACT.ZS",
        indicator_id="wdi_labour_force_participation_pct",
        title="Labour-force participation rate, age 15+ (World Bank)",
        description=(
            "Economically active persons aged 15 and over, % of the population of the same "
            "age and sex (ILO modelled estimate)."
        ),
        unit="% of population aged 15+",
        decimals=1,
        direction=Direction.NEUTRAL,
        domain=Domain.GENDER,
        has_sex=True,
        caveats=(
            WDI_CAVEAT + " Not Eurostat's employment_rate_pct (employed, age 20-64): active "
            "includes the unemployed and the age band is open-ended, so the two are not mixed."
        ),
        verified=True,
        verification_note=(
            "SL.TLF.CACT.FE.ZS: the real WDI bulk file in ../shared/data/real/worldbank; "
            "SL.TLF.CACT.ZS and SL.TLF.CACT.MA.ZS listed with it in public WDI scripts."
        ),
    ),
    _wdi(
        "SL.UEM.TOTL.ZS",
        indicator_id="wdi_unemployment_pct",
        title="Unemployment rate, age 15+ (World Bank)",
        description=(
            "Unemployed persons, % of the labour force of the same sex (ILO modelled estimate)."
        ),
        unit="% of labour force",
        decimals=1,
        direction=Direction.NEUTRAL,
        domain=Domain.GENDER,
        has_sex=True,
        caveats=(
            WDI_CAVEAT + " Eurostat's unemployment_rate_pct covers ages 15-74 from the LFS; "
            "this is ages 15+ from ILO models, so the two are kept apart."
        ),
        verified=True,
        verification_note=(
            "SL.UEM.TOTL.ZS, SL.UEM.TOTL.FE.ZS and SL.UEM.TOTL.MA.ZS ('modeled ILO estimate') "
            "in several public WDI indicator lists."
        ),
    ),
    _wdi(
        "GB.XPD.RSDV.GD.ZS",
        indicator_id="wdi_rd_expenditure_pct_gdp",
        title="R&D expenditure (World Bank)",
        description="Gross domestic expenditure on R&D, % of GDP (UNESCO UIS via the WDI).",
        unit="% of GDP",
        decimals=2,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        caveats=(
            WDI_CAVEAT + " Same Frascati definition as Eurostat's gerd_total_pct_gdp, which "
            "it also feeds for countries Eurostat does not cover (Eurostat wins where both "
            "exist; the build reports such overlaps). Many countries report irregular years."
        ),
        verified=True,
        verification_note=(
            "GB.XPD.RSDV.GD.ZS 'Research and development expenditure (% of GDP)', sourced to "
            "the UNESCO Institute for Statistics, in several public projects."
        ),
    ),
    _wdi(
        "IT.NET.USER.ZS",
        indicator_id="wdi_internet_users_pct",
        title="Individuals using the internet (World Bank)",
        description="Individuals who used the internet in the last three months, % of population.",
        unit="% of population",
        decimals=1,
        direction=Direction.NEUTRAL,
        domain=Domain.DIGITAL,
        caveats=(
            WDI_CAVEAT + " Eurostat's internet_regular_users_pct counts weekly users aged "
            "16-74; this counts use in the last three months at any age (ITU), so they are "
            "kept apart. The 2026-07 vintage has no EU aggregate values."
        ),
        verified=True,
        verification_note=(
            "Real WDI bulk file API_IT.NET.USER.ZS (zip as served, 2026-07-13) in "
            "../shared/data/real/worldbank."
        ),
    ),
    _wdi(
        "NY.GDP.PCAP.PP.KD",
        indicator_id="wdi_gdp_per_capita_ppp",
        title="GDP per capita, PPP (World Bank)",
        description="GDP per capita in purchasing power parity, constant 2021 international $.",
        unit="international $ (2021 prices) per inhabitant",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        caveats=(
            WDI_CAVEAT + " Not comparable with Eurostat's PPS per inhabitant "
            "(gdp_per_capita_pps: current prices, EU27 purchasing power standard)."
        ),
        verified=True,
        verification_note=(
            "Real WDI bulk file API_NY.GDP.PCAP.PP.KD (2026-02-24) in ../shared/data/real."
        ),
    ),
    _wdi(
        "SE.TER.ENRR",
        indicator_id="wdi_tertiary_enrolment_gross_pct",
        title="Tertiary enrolment, gross ratio (World Bank)",
        description=(
            "Students enrolled in tertiary education of any age, % of the population of the "
            "five-year age group after secondary school (gross: can exceed 100)."
        ),
        unit="% of the tertiary-age population",
        decimals=1,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        has_sex=True,
        caveats=(
            WDI_CAVEAT + " Enrolment, not attainment: not comparable with Eurostat's "
            "tertiary_attainment_* indicators."
        ),
        verified=True,
        verification_note=(
            "SE.TER.ENRR, SE.TER.ENRR.FE and SE.TER.ENRR.MA ('School enrollment, tertiary "
            "(% gross)') in several public WDI scripts."
        ),
    ),
    _wdi(
        "SP.POP.TOTL",
        indicator_id="wdi_population_persons",
        title="Population, total (World Bank)",
        description="Mid-year resident population, all ages.",
        unit="persons",
        decimals=0,
        direction=Direction.NEUTRAL,
        domain=Domain.CONTEXT,
        conversion="sum",
        caveats=(
            WDI_CAVEAT + " Mid-year estimate: Eurostat's population_persons counts 1 January."
        ),
        verified=True,
        verification_note="Real WDI bulk file API_SP.POP.TOTL (2025-10-07) in ../shared/data/real.",
    ),
)

WDI_SAME_AS: dict[str, str] = {"wdi_rd_expenditure_pct_gdp": "gerd_total_pct_gdp"}
"""WDI entries whose definition agrees with a Eurostat entry: their values also feed that
indicator (source worldbank, ranked below eurostat; storage.build reports overlaps). Every
other WDI entry differs from its nearest Eurostat indicator (age band, unit, reference date)
and stays separate; its caveats say how."""

CCI_INDICATOR_IDS: tuple[str, ...] = (
    "cultural_employment_pct",
    "cultural_employment_thousand_persons",
    "cultural_employment_by_sex_pct",
    "publishing_persons_employed",
    "film_music_persons_employed",
    "advertising_persons_employed",
    "publishing_local_units",
    "film_music_local_units",
)
"""The creative and cultural industries lens, in display order ("Creative economy")."""

CATALOG: tuple[CatalogIndicator, ...] = (*EUROSTAT_CATALOG, *WDI_CATALOG)


def index_catalog(entries: Iterable[CatalogIndicator]) -> dict[str, CatalogIndicator]:
    """Map indicator_id -> entry, refusing duplicate ids (an id must never be reused)."""
    index: dict[str, CatalogIndicator] = {}
    for entry in entries:
        if entry.indicator_id in index:
            raise ValueError(f"duplicate catalog indicator_id {entry.indicator_id!r}")
        index[entry.indicator_id] = entry
    return index


CATALOG_BY_ID: dict[str, CatalogIndicator] = index_catalog(CATALOG)


def get_catalog_indicator(indicator_id: str) -> CatalogIndicator:
    """Return the catalog entry for `indicator_id`, or raise KeyError naming close matches."""
    try:
        return CATALOG_BY_ID[indicator_id]
    except KeyError:
        close = difflib.get_close_matches(str(indicator_id), CATALOG_BY_ID, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise KeyError(
            f"unknown catalog indicator {indicator_id!r} ({len(CATALOG_BY_ID)} known).{hint}"
        ) from None
