"""How each catalog indicator looks in the synthetic demo panel (ingest.demo): levels, spread,
trend, gender gap and which years are published. Plain data; the generator is in ingest.demo.

Calibration against the real files in ../shared/data/real (see PROVENANCE.md there):
- COUNTRY_EMPLOYMENT: employment rate 25-64 by sex, 2022, from estat_lfst_r_ergau_filtered_en
  .csv (mean of the three degrees of urbanisation; EU27 countries only). The demo's employment
  rate (20-64) starts from it, 2 points lower (the 20-24 age group works less), and every
  country's employment gap (men minus women) scales the gender gaps of the labour-market
  indicators (LABOUR_GAP_RATIO: 0.1 in Finland to 2.4 in Greece).
- COUNTRY_RURAL_EMPLOYMENT: the same file, rural areas (DEG3) only: the demo's country-level
  rural employment rate.
- COUNTRY_DENSITY: persons per km2, 2022, estat_demo_r_d3dens_filtered_en.csv (EU27).
- Regional development (ingest.demo): GDP per inhabitant in PPS, % of EU27, average 2017-2019,
  from the bundled real nama_10r_3gdp (data/bundled/).
Other ranges are rough orders of magnitude of Eurostat's regional tables (NUTS 2), not taken
from a file: they are marked as such by the 'demo' source on every value.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.spec import CatalogIndicator

DEMO_YEARS = tuple(range(2012, 2024))
CALIBRATION_YEAR = 2022

COUNTRY_EMPLOYMENT: dict[str, tuple[float, float]] = {  # (women, men), % aged 25-64, 2022
    "AT": (73.8, 82.0), "BE": (71.5, 79.2), "BG": (73.5, 81.4), "CY": (74.1, 86.1),
    "CZ": (76.6, 91.4), "DE": (78.2, 86.1), "DK": (78.7, 84.5), "EE": (81.3, 84.8),
    "EL": (57.6, 80.1), "ES": (65.0, 77.9), "FI": (79.6, 80.8), "FR": (72.6, 79.2),
    "HR": (68.2, 77.2), "HU": (78.1, 88.2), "IE": (73.2, 85.5), "IT": (57.2, 77.8),
    "LT": (79.1, 80.6), "LU": (75.5, 82.6), "LV": (77.2, 80.5), "MT": (75.0, 87.5),
    "NL": (79.4, 88.4), "PL": (72.5, 85.4), "PT": (77.1, 83.3), "RO": (61.7, 81.3),
    "SE": (81.2, 86.9), "SI": (77.8, 84.0), "SK": (77.4, 84.6),
}
COUNTRY_RURAL_EMPLOYMENT: dict[str, tuple[float, float]] = {  # rural areas only, 2022
    "AT": (76.1, 84.0), "BE": (75.5, 81.1), "BG": (62.6, 74.5), "CY": (71.4, 86.2),
    "CZ": (75.5, 90.1), "DE": (81.2, 88.2), "DK": (76.3, 85.6), "EE": (81.5, 85.4),
    "EL": (54.8, 80.6), "ES": (62.8, 77.7), "FI": (80.1, 81.3), "FR": (74.7, 79.6),
    "HR": (61.6, 75.8), "HU": (73.2, 85.2), "IE": (72.7, 86.7), "IT": (56.1, 77.6),
    "LT": (75.9, 77.8), "LU": (73.2, 82.3), "LV": (76.4, 77.9), "MT": (80.1, 87.1),
    "NL": (79.9, 89.2), "PL": (67.5, 84.7), "PT": (75.3, 81.6), "RO": (48.9, 75.9),
    "SE": (80.6, 87.2), "SI": (75.2, 83.1), "SK": (71.0, 80.1),
}
COUNTRY_DENSITY: dict[str, float] = {  # persons per km2, 2022
    "AT": 110, "BE": 384, "BG": 60, "CY": 99, "CZ": 138, "DE": 237, "DK": 141, "EE": 31,
    "EL": 80, "ES": 95, "FI": 18, "FR": 107, "HR": 69, "HU": 106, "IE": 75, "IT": 198, "LT": 45,
    "LU": 253, "LV": 30, "MT": 1693, "NL": 518, "PL": 121, "PT": 114, "RO": 81, "SE": 26,
    "SI": 105, "SK": 112,
}
EU_EMPLOYMENT_GAP = sum(m - f for f, m in COUNTRY_EMPLOYMENT.values()) / len(COUNTRY_EMPLOYMENT)
LABOUR_GAP_RATIO: dict[str, float] = {
    c: (m - f) / EU_EMPLOYMENT_GAP for c, (f, m) in COUNTRY_EMPLOYMENT.items()}
EMPLOYMENT_20_64_OFFSET = -2.0  # employment rate 20-64 minus 25-64, points (rough)

# Fallback development level in [-1, 1] for countries without real GDP in the bundle (loosely
# after the European Innovation Scoreboard groups), and capital regions (fallback only).
COUNTRY_BASE = {
    "SE": 0.9, "DK": 0.85, "FI": 0.85, "NL": 0.8, "BE": 0.7, "CH": 0.95, "DE": 0.7, "LU": 0.7,
    "AT": 0.65, "IE": 0.6, "NO": 0.6, "IS": 0.45, "FR": 0.45, "EE": 0.35, "UK": 0.55,
    "SI": 0.25, "CY": 0.2, "CZ": 0.1, "IT": 0.05, "MT": 0.1, "ES": 0.0, "PT": 0.0,
    "LT": -0.05, "EL": -0.15, "HU": -0.2, "HR": -0.25, "SK": -0.3, "PL": -0.25, "LV": -0.35,
    "BG": -0.6, "RO": -0.65, "TR": -0.6, "RS": -0.55, "ME": -0.55, "MK": -0.65, "AL": -0.7,
    "LI": 0.6,
}
CAPITALS = {"AT13", "BE10", "BG41", "CZ01", "DE30", "DK01", "EE00", "EL30", "ES30", "FI1B",
            "FR10", "HR05", "HU11", "IE06", "ITI4", "LT01", "LU00", "LV00", "NL32", "PL91",
            "PT17", "RO32", "SE11", "SI04", "SK01", "NO08", "CH01", "UKI3"}


@dataclass(frozen=True)
class DemoProfile:
    """How one indicator looks at NUTS 2 (total of both sexes).

    `low`/`high`: value of the weakest/strongest regions (about the 3rd and 97th percentile),
    in the indicator's unit; on a log scale when `log`. `trend`: change per year in the better
    direction, a share of (high - low) (a relative change per year when `log`).
    `female_gap`: women minus men, a share of (high - low) (for head counts: twice the female
    share minus 1). `coupling`: correlation of the regional level with development;
    `country_sd`: spread of a country effect of its own (z units). Gap pattern: the gap grows
    by `labour_slope` times the base gap per unit of the country's labour-market gap ratio
    above the EU mean, and by `dev_gap_slope` times the base gap per unit of development;
    `gap_sd` is the regional noise of the gap, a share of the base gap. Published years:
    `first_year`..`last_year`; `odd_years_share` of the countries publish odd years only;
    `missing` is the share of region-years left out at random; `noise` the year-to-year
    noise, a share of (high - low). `nuts3_sd`: spread of NUTS 3 regions around their NUTS 2
    parent (log scale), for indicators Eurostat publishes at NUTS 3.
    """

    low: float
    high: float
    trend: float = 0.0
    female_gap: float = 0.0
    log: bool = False
    coupling: float = 0.6
    country_sd: float = 0.35
    labour_slope: float = 0.0
    dev_gap_slope: float = 0.0
    gap_sd: float = 0.3
    first_year: int = DEMO_YEARS[0]
    last_year: int = DEMO_YEARS[-1]
    odd_years_share: float = 0.0
    missing: float = 0.02
    noise: float = 0.01
    nuts3_sd: float = 0.4


RD = {"odd_years_share": 0.2, "last_year": 2022, "missing": 0.04}
LFS = {"missing": 0.02, "noise": 0.02}
ICT = {"coupling": 0.7, "missing": 0.05}

PROFILES: dict[str, DemoProfile] = {
    "gerd_total_pct_gdp": DemoProfile(0.15, 5.0, 0.02, log=True, coupling=0.75, **RD),
    "gerd_business_pct_gdp": DemoProfile(0.04, 3.8, 0.025, log=True, coupling=0.75, **RD),
    "gerd_government_pct_gdp": DemoProfile(0.02, 0.8, 0.0, log=True, coupling=0.3, **RD),
    "gerd_higher_education_pct_gdp": DemoProfile(0.05, 1.1, 0.01, log=True, **RD),
    "rd_personnel_fte_pct_active": DemoProfile(0.3, 3.2, 0.02, log=True, coupling=0.7, **RD),
    # women about 0.6 points below men (head count, % of the active population of each sex)
    "rd_personnel_headcount_pct_active": DemoProfile(0.5, 4.5, 0.02, -0.15, log=True,
                                                     dev_gap_slope=0.3, **RD),
    # women's share of researchers: about a third, near half in the Baltics and Balkans
    "researchers_headcount": DemoProfile(300.0, 45_000.0, 0.02, -0.32, log=True,
                                         dev_gap_slope=0.25, gap_sd=0.15, **RD),
    "hrst_pct_active": DemoProfile(25.0, 65.0, 0.01, coupling=0.75, **LFS),
    "scientists_engineers_pct_active": DemoProfile(3.0, 15.0, 0.01, coupling=0.75, **LFS),
    "hrst_by_sex_pct_active": DemoProfile(25.0, 65.0, 0.01, 0.15, labour_slope=-0.3, **LFS),
    "high_tech_employment_pct": DemoProfile(1.0, 10.0, 0.01, -0.22, log=True, coupling=0.65,
                                            **LFS),
    # women's jobs are far more often in knowledge-intensive services (health, education)
    "knowledge_intensive_services_employment_pct": DemoProfile(25.0, 55.0, 0.005, 0.5,
                                                               labour_slope=-0.2, **LFS),
    "tertiary_attainment_25_64_pct": DemoProfile(14.0, 55.0, 0.012, 0.15, dev_gap_slope=-0.2,
                                                 **LFS),
    "tertiary_attainment_25_34_pct": DemoProfile(20.0, 65.0, 0.012, 0.24, dev_gap_slope=-0.2,
                                                 missing=0.04, noise=0.03),
    "lifelong_learning_pct": DemoProfile(1.0, 35.0, 0.015, 0.06, log=True, coupling=0.7,
                                         country_sd=0.6, **LFS),
    "epo_patent_applications_per_million_inhabitants": DemoProfile(
        1.0, 600.0, 0.0, log=True, coupling=0.8, last_year=2012, missing=0.03, nuts3_sd=0.7),
    # employment_rate_pct and employment_rate_rural_pct: calibrated per country (see above)
    "employment_rate_pct": DemoProfile(55.0, 84.0, 0.012, -0.32, labour_slope=1.0, **LFS),
    "employment_rate_rural_pct": DemoProfile(50.0, 88.0, 0.012, -0.3, labour_slope=1.0,
                                             missing=0.0),
    # unemployment: women higher where women's employment lags (EL, ES, IT), lower in FI/LT
    "unemployment_rate_pct": DemoProfile(2.0, 20.0, 0.02, 0.04, log=True, coupling=0.55,
                                         country_sd=0.6, labour_slope=2.5, gap_sd=0.8, **LFS),
    "neet_rate_pct": DemoProfile(4.0, 28.0, 0.012, 0.1, labour_slope=1.2, **LFS),
    # women live about 5 years longer, more in less developed regions
    "life_expectancy_years": DemoProfile(74.0, 85.0, 0.015, 0.5, coupling=0.75,
                                         dev_gap_slope=-0.25, gap_sd=0.1, missing=0.01),
    "at_risk_of_poverty_or_social_exclusion_pct": DemoProfile(
        9.0, 45.0, 0.01, coupling=0.65, country_sd=0.5, missing=0.06, last_year=2022),
    "early_leavers_pct": DemoProfile(2.0, 22.0, 0.02, -0.15, coupling=0.5, country_sd=0.6,
                                     missing=0.05, noise=0.03),
    "municipal_waste_kg_per_capita": DemoProfile(250.0, 750.0, 0.005, coupling=0.5,
                                                 first_year=2013, last_year=2020,
                                                 odd_years_share=0.3, missing=0.1),
    "broadband_households_pct": DemoProfile(60.0, 98.0, 0.03, **ICT),
    "internet_regular_users_pct": DemoProfile(55.0, 97.0, 0.03, **ICT),
    "population_density_per_km2": DemoProfile(5.0, 4_000.0, 0.0, log=True, coupling=0.3,
                                              missing=0.0, noise=0.002, nuts3_sd=0.9),
    "population_persons": DemoProfile(150_000.0, 8_000_000.0, 0.0, log=True, coupling=0.2,
                                      missing=0.0, noise=0.002),
    "gdp_per_capita_pps": DemoProfile(12_000.0, 75_000.0, 0.03, log=True, coupling=0.97,
                                      country_sd=0.05, last_year=2022, missing=0.01),
    "gdp_per_capita_eur": DemoProfile(4_000.0, 90_000.0, 0.03, log=True, coupling=0.97,
                                      country_sd=0.3, last_year=2022, missing=0.01,
                                      nuts3_sd=0.3),
    "gdp_per_capita_pps_pct_eu27": DemoProfile(35.0, 220.0, 0.0, log=True, coupling=0.97,
                                               country_sd=0.05, last_year=2022, missing=0.01,
                                               nuts3_sd=0.3),
}
# Creative and cultural industries: rough orders of magnitude of Eurostat's cult_emp_reg,
# cult_emp_sex and the regional business statistics (capital regions at the top of each range).
CCI = {"coupling": 0.7, "missing": 0.04}
PROFILES.update({
    "cultural_employment_pct": DemoProfile(1.3, 7.5, 0.004, log=True, **CCI),
    "cultural_employment_thousand_persons": DemoProfile(3.0, 180.0, 0.004, log=True, **CCI),
    "cultural_employment_by_sex_pct": DemoProfile(2.0, 5.5, 0.004, 0.08, coupling=0.6),
    "publishing_persons_employed": DemoProfile(300.0, 40_000.0, 0.0, log=True,
                                               last_year=2020, **CCI),
    "film_music_persons_employed": DemoProfile(100.0, 25_000.0, 0.0, log=True,
                                               last_year=2020, **CCI),
    "advertising_persons_employed": DemoProfile(300.0, 35_000.0, 0.0, log=True,
                                                last_year=2020, **CCI),
    "publishing_local_units": DemoProfile(50.0, 6_000.0, 0.0, log=True, first_year=2021, **CCI),
    "film_music_local_units": DemoProfile(50.0, 10_000.0, 0.0, log=True, first_year=2021,
                                          **CCI),
})

UNIT_PROFILES = {"% of GDP": DemoProfile(0.2, 3.5, 0.01, log=True)}
FALLBACK = DemoProfile(10.0, 90.0, 0.005)


def profile_for(spec: CatalogIndicator) -> DemoProfile:
    """The indicator's profile: by id, else by unit, else FALLBACK."""
    if spec.indicator_id in PROFILES:
        return PROFILES[spec.indicator_id]
    return UNIT_PROFILES.get(spec.unit, FALLBACK)
