import csv
r, n = 0.07, 15
CRF = r*(1+r)**n/((1+r)**n-1)   # 0.1098
AUD, EUR, KRW = 0.65, 1.10, 1/1380.0   # USD per unit, ESTIMATE (2025 averages, rounded)
B=[]
def a(com, cty, capex_per_unit_usd, maxb, fy, src, note):
    B.append((com, cty, round(capex_per_unit_usd*CRF), maxb, fy, src,
              f"capex {capex_per_unit_usd:,.0f} USD per unit of annual capacity x CRF {CRF:.4f} (7%, 15 yr) - ESTIMATE. "+note))
# rare-earth separation
a("rare_earths_refining","USA", 410e6/5300, 3000, 2029,
  "Energy Fuels Phase 2 BFS (Jan 2026) via stocktwits.com; see projects.csv",
  "$410M for +5,000 t NdPr + 240 t Dy + 66 t Tb (~5,300 t/yr). Per t of NdPr+HRE; per t of total REO separated it is lower (La/Ce co-products). max_build: ESTIMATE, about half an Energy Fuels Phase 2 per year (permitting ~18 months + 2 yr build from a 2026 decision).")
a("rare_earths_refining","AUS", 1.75e9*AUD/17500, 4000, 2028,
  "Iluka Eneabba: 17,500 t/yr TREO (WA Govt Apr 2022), capex A$1.7-1.8B (NS Energy Dec 2024)",
  "A$100k per t REO/yr (incl. cracking, leaching, SX, finishing; greenfield hub). Arafura Nolans (mine+plant): A$1.6B/13,343 t TREO = A$120k (US$78k) per t - use for AUS mine-integrated projects. max_build ESTIMATE.")
a("rare_earths_refining","FRA", 100e6*EUR/3500, 1500, 2027,
  "Solvay La Rochelle (SEAISI/Kallanish 9 Apr 2025; specchemonline): ~EUR100M for 2,000-5,000 t REO full scale",
  "brownfield conversion of an existing separation plant: EUR100M / 3,500 t midpoint. FRA is not in countries.csv/supply.csv today. max_build ESTIMATE (reach 4,500 t by 2030).")
a("rare_earths_refining","MYS", 180e6*AUD/5000, 2500, 2027,
  "Lynas Malaysia HRE facility, A$180M for 5,000 t/yr HRE feed (Process Online, late 2025)",
  "per t of HEAVY RE feed, brownfield; heavy separation is what the US lacks most. max_build ESTIMATE.")
# magnets
a("ndfeb_magnets","USA", 918.1e6/10000, 5000, 2028,
  "Vulcan Elements Benson NC: $918.1M, 10,000 t/yr (Manufacturing Dive, Nov 2025)",
  "cross-checks: MP 10X >$1.25B for ~9,000 t (=~$139k/t); USA Rare Earth >$100M for 1,200 t phase 1 (=~$83k/t); e-VAC >$500M for ~2,000 t (=~$250k/t, incl. alloy/metal steps). $92k/t is the central US value; use $139k/t as a high case. max_build ESTIMATE (half a 10X per year; 2-3 yr build from 2025-26 decisions).")
a("ndfeb_magnets","EST", 75e6*EUR/2000, 3000, 2027,
  "Neo Narva: EUR75M for 2,000 t/yr phase 1 (Automotive World, 19 Sep 2025)",
  "EU cost; phase 2 to 5,000 t uses existing infrastructure (cheaper). EST has no ndfeb row today. max_build ESTIMATE (phase-2 size).")
a("ndfeb_magnets","KOR", 918.1e6/10000, 2000, 2028,
  "ESTIMATE (no Korean magnet project capex retrieved); Lynas (Aug 2025) names new magnet projects in Korea, Vietnam, Europe, Canada, US",
  "US unit capex assumed; placeholder for a partner-country build option.")
# gallium
a("gallium_primary","KOR", 55.7e9*KRW/15.5, 15.5, 2028,
  "Korea Zinc Onsan: KRW 55.7bn for ~15.5 t/yr Ga (Chosun Biz, 19 Oct 2025)",
  "recovery circuit at an existing zinc smelter (~US$2.6M per t/yr). Annualised ~$286k/t/yr vs case price ~$710k/t. max_build ESTIMATE (one such circuit per year).")
a("gallium_primary","AUS", 2.6e6, 100, 2027,
  "Alcoa Wagerup 100 t/yr (Alcoa, 20 Oct 2025); total capex NOT FOUND (US$200M government package is partial)",
  "Korea Zinc unit capex assumed (ESTIMATE); bauxite-liquor recovery at an alumina refinery. Other alumina refineries (AUS, JPN partners) could host similar circuits.")
# germanium
a("germanium_refined","KOR", 140e9*KRW/10, 10, 2028,
  "Korea Zinc Onsan germanium plant: KRW 140bn (~US$100M) for ~10 t/yr Ge (Korea Herald, 26 Aug 2025)",
  "~US$10M per t/yr; annualised ~$1.1M/t vs case price ~$2.4M/t. max_build ESTIMATE.")
# graphite anode
a("graphite_anode","USA", 943.6e6/31500, 20000, 2027,
  "Novonix Chattanooga: US$943.6M eligible investment for 31,500 t/yr synthetic graphite (chargedevs.com, Dec 2024)",
  "~$30k per t/yr (synthetic, incl. graphitisation). Natural-flake AAM (Syrah) capex not retrieved. max_build ESTIMATE.")
# lithium
a("lithium_refining","USA", 2.93e9/7514, 7500, 2029,
  "Thacker Pass Phase 1: US$2.93B for 40,000 t LCE = 7,514 t Li (batteryjuniors.com, 14 Mar 2024)",
  "INTEGRATED mine + chemical plant (~$73k per t LCE/yr), so it overstates a conversion-only build; the case's lithium_refining unit_cost is conversion only. max_build ESTIMATE (one Phase-1 size per year).")
# antimony
a("antimony_mine","USA", 15e6/4000, 4000, 2026,
  "USAC Thompson Falls: <US$15M for ~100 -> >500 t/month (westernmt.news, 2 Oct 2025)",
  "smelter-only brownfield (~$3.8k per t/yr), needs ore feed (Perpetua 2028, Alaska, imports). Mine capex (Perpetua $1.3B) is gold-dominated and not attributable. max_build ESTIMATE.")
# tungsten
a("tungsten_mine","KOR", 105e6/1824, 1800, 2027,
  "Almonty Sangdong phase 1: US$105M for ~2,300 t WO3 = 1,824 t W (canadianminingreport.com Jan 2021; Northern Miner 2024)",
  "~$58k per t W/yr (mine + concentrator). Total two-phase plan US$217M. max_build ESTIMATE (phase-2 size).")
# enrichment
a("uranium_enrichment","USA", 5e9/3800, 1000, 2030,
  "ESTIMATE: Orano IKE ~US$5B (pulse2.com, Jan 2026) with capacity assumed ~3,500-4,000 tSWU (NOT FOUND in retrieved text)",
  "$5B / ~3,800 tSWU = ~$1.3M per tSWU/yr (ESTIMATE, LOW confidence). Urenco USA +700 tSWU cost not found. Earliest new greenfield capacity 2029-2031 (Centrus, Orano).")
with open("buildout.csv","w",newline="") as f:
    w=csv.writer(f); w.writerow(["commodity","country","annualised_cost_per_unit","max_build_per_year","from_year","source","note"])
    for b in B: w.writerow(b)
for b in B: print(b[:5])
