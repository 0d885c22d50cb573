import csv
IEA25 = "IEA, Global Critical Minerals Outlook 2025 (21 May 2025), https://www.iea.org/reports/global-critical-minerals-outlook-2025"
STAT = "Statista chart 35397 citing IEA GCMO 2025 base case (2025), https://www.statista.com/chart/35397/global-demand-for-critical-minerals-lithium-cobalt-graphite-ree-by-technology-type"
HOT = "IEA GCMO 2025 STEPS as summarised on hotcopper.co.nz (2025), https://hotcopper.co.nz/goto/post?id=79380286"
MCS26 = "USGS, Mineral Commodity Summaries 2026 (Feb 2026), via structured extraction pranava0x0/usgs-mineral-commodity-summaries (captured 2026-05-19)"
rows = [
("rare_earths_refining",0.038,"2025-2035",
 f"{STAT}; {HOT}",
 "WORLD magnet-REE demand (IEA STEPS): +45% 2024->2030 (=6.4%/yr) but only +50-60% 2024->2040, i.e. nearly flat after 2030. 3.8%/yr is an ESTIMATE for 2025-35 (1.45^(6/11) then ~1%/yr). US direct demand is mostly catalysts (USGS); magnet-driven oxide enters via the ndfeb recipe, so a lower direct growth (1-2%/yr) is defensible. USGS 2025e apparent consumption jumped to 27,000 t (from 9,010) - likely stock-building, not trend."),
("rare_earths_mine",0.0,"2025-2035","case convention","direct demand 0; need is derived via recipes."),
("ndfeb_magnets",0.087,"2024-2040",
 "Adamas Intelligence, Rare Earth Magnet Market Outlook to 2040 (Q3 2024), https://adamasintel.com/rare-earth/rare-earth-magnet-market-outlook-to-2040",
 "WORLD NdFeB demand CAGR 8.7% 2024-2040 (robotics, AAM, EVs). Earlier editions: 7.5% (2023-2040) and 8.6% (2022-2035). McKinsey: magnet REE 59 kt (2022) -> 176 kt (2035) = 8.8%/yr (theoregongroup.com, Jul 2025). US-specific forecast NOT FOUND; US EV demand weaker after the 30D credit ended 30 Sep 2025 (OBBBA) - a US central case of ~6%/yr would be an ESTIMATE."),
("gallium",0.027,"2021-2025 trend",
 MCS26 + ", https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-gallium.pdf",
 "US reported consumption 17.1 t (2021) -> 19.0 t (2025e): 2.7%/yr (derived). Applied to 2025-2035 as an ESTIMATE; no IEA projection for gallium found."),
("gallium_primary",0.0,"2025-2035","case convention","direct demand 0; need carried by refined gallium."),
("germanium_refined",0.0,"2015-2021 trend",
 MCS26 + "; USGS MCS 2020 germanium (consumption 34,000 kg 2015, 30,000 kg 2016-2019)",
 "USGS estimated US consumption flat at ~30 t (last published 2021; NA after). 0%/yr is an ESTIMATE; defence IR/satellite uses could add upside."),
("graphite_anode",0.08,"2024-2030",
 STAT,
 "WORLD: IEA base case graphite +50-75% 2024->2030 (7-9.8%/yr, mostly EV/storage anode). All-grade graphite doubles 2024->2040 in STEPS (4.4%/yr; hotcopper summary). 8%/yr is an ESTIMATE for battery anode 2025-30; consider ~4%/yr after 2030. US battery build-out uncertain after OBBBA."),
("graphite_natural_mine",0.01,"2025-2035",
 "ESTIMATE",
 "direct (non-anode) US uses: refractories, foundry, lubricants - mature markets; 1%/yr ESTIMATE. Anode growth enters via recipe."),
("lithium_refining",0.106,"2024-2040",
 f"{HOT}; {STAT}",
 "WORLD: IEA STEPS lithium demand x5 2024->2040 (10.6%/yr) and +146% 2024->2030 (16.2%/yr). IEA data (mousumi-baruah/iea-critical-minerals-dashboard, clean-tech rows): 128 kt (2024) -> 589 kt (2035) = 14.9%/yr. US-specific NOT FOUND."),
("lithium_mine",0.0,"2025-2035","case convention","direct demand 0."),
("cobalt_refining",0.028,"2024-2040",
 HOT,
 "WORLD: IEA STEPS cobalt +50-60% 2024->2040 (2.6-3.0%/yr); +50-75% to 2030 then flat/declining (LFP shift). US use is superalloy-led (USGS), similar ~3%/yr ESTIMATE."),
("cobalt_mine",0.0,"2025-2035","case convention","direct demand 0."),
("nickel_refining",0.044,"2024-2040",
 HOT,
 "WORLD: IEA STEPS nickel demand doubles 2024->2040 (4.4%/yr). US primary use mostly stainless/alloys; 2%/yr would be a US ESTIMATE."),
("nickel_mine",0.0,"2025-2035","case convention","direct demand 0."),
("antimony_mine",0.02,"2025-2035",
 MCS26 + ", https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-antimony.pdf",
 "US apparent consumption 27,800 t (2021), 24,500, 20,700, 28,600, 45,000 (2025e) - no clean trend; 2025 jump coincides with China's ban and stockpiling. 2%/yr ESTIMATE."),
("tungsten_mine",0.01,"2025-2035",
 MCS26 + ", https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-tungsten.pdf",
 "US imports ~12,100 t W (2021) vs 11,700 (2025e); consumption withheld. 1%/yr ESTIMATE."),
("uranium_enrichment",0.01,"2025-2035",
 "ESTIMATE",
 "US fleet roughly flat to 2030; restarts/uprates and HALEU for advanced reactors add later. 1%/yr ESTIMATE; NOT researched from EIA/WNA in this pass."),
("polysilicon",0.03,"2025-2035","ESTIMATE (not researched)","placeholder; not researched in this pass."),
("semiconductors",0.05,"2025-2035","ESTIMATE (not researched)","placeholder value item; not researched in this pass."),
("semi_equipment",0.05,"2025-2035","ESTIMATE (not researched)","placeholder value item; not researched in this pass."),
("hbm_memory",0.15,"2025-2035","ESTIMATE (not researched)","placeholder value item; HBM demand grows fast with AI accelerators; not researched in this pass."),
]
with open("demand_growth.csv","w",newline="") as f:
    w=csv.writer(f); w.writerow(["commodity","annual_growth","years","source","note"])
    for r in rows: w.writerow(r)
print(len(rows))
