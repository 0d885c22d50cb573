import csv
MCS26="USGS MCS 2026 (Feb 2026) 'Government Stockpile' sections, via pranava0x0/usgs-mineral-commodity-summaries (parser notes docs + data/audit/*, captured 2026-05-19)"
HOLD="0.01 physical (storage, handling, insurance, losses) - ESTIMATE; add 0.05-0.07 capital cost ONLY if the LP does not already discount purchase costs"
S=[
("rare_earths_refining",None,"t REO",None,300,0.01,0,
 MCS26+"; MCS 2025 rare earths via verification notes (id 52640129833)",
 "FY2025 AMP potential acquisitions: NdPr oxide 300 t and lanthanum 1,100 t (gross weight) [MCS 2026 rare earths, footnote 9]; MCS 2025 listed NdPr oxide acquisitions as 'varying amounts'. Holdings NOT PUBLIC: USGS footnotes say 'Beginning in 2023, Government stock changes no longer available' and 'For fiscal year 2026, the Annual Materials Plan was not released.' max_purchase 300 t/yr = FY2025 NdPr AMP (MEDIUM-LOW confidence: read from a third-party parser's notes, not the PDF table). initial_holdings: unknown; use 0 as a conservative ESTIMATE. holding_cost_share: "+HOLD),
("ndfeb_magnets",None,"t",None,450,0.01,0,
 MCS26,
 "FY2025 AMP potential acquisitions: NdFeB magnet block 450 t and SmCo alloy 60 t (gross weight) [MCS 2026 rare earths text, as recorded in the parser's notes]. Holdings NOT PUBLIC; 0 as conservative ESTIMATE. MP/DoD offtake of 10X output (from 2028) is a separate, larger government purchase channel (10 yrs, 100% of 10X)."),
("gallium",0,"t Ga",0,None,0.01,0,
 "Reuters via devdiscourse.com (6 Jul 2023) https://www.devdiscourse.com/article/technology/2513467-pentagon-has-strategic-germanium-stockpile-but-no-gallium-reserves--spokesperson ; USGS MCS 2026 gallium (no Government Stockpile table)",
 "'The Pentagon holds a strategic stockpile for germanium but currently has no inventory reserves for gallium' (Jul 2023). No gallium AMP line found for FY2025. A stockpile is a decision variable here; max_purchase: suggest ~2-5 t/yr (10-25% of 19 t US consumption) as ESTIMATE if the stress run needs one - world ex-China supply is ~10 t/yr today."),
("germanium_refined",None,"t Ge",None,0,0.01,0,
 "Reuters (6 Jul 2023) as above; MCS 2026 germanium footnotes via pranava0x0/usgs-mineral-commodity-summaries data/audit/germanium/data.json; DLA (1 Apr 2017) https://www.dla.mil/AboutDLA/News/NewsArticleView/Article/1155610/more-than-just-piles-of-rocks/",
 "NDS holds germanium (acquisition authorised by FY2017 NDAA; DLA recycles Ge from night-vision optics) but quantity NOT PUBLIC; FY2025 potential acquisitions '—' (0); shipments from stockpile 0 in 2021-22, NA after. ESTIMATE for a case: a few tonnes (e.g. 5-15 t) - unverified, choose via sensitivity."),
("antimony_mine",None,"t Sb",None,890,0.01,0,
 MCS26+"; westernmt.news (2 Oct 2025); newsmax/FT (12 Oct 2025) https://rss.newsmax.com/newsfront/pentagon-critical-minerals/2025/10/12/id/1230029",
 "FY2025 AMP potential acquisitions 700 t (antimony ingots). DLA 5-yr sole-source contract with USAC up to $245M (Sep 2025): at ~$55k/t (USGS 2025e $25/lb) that is ~4,450 t over 5 yrs = ~890 t/yr (ESTIMATE, used as max_purchase). Holdings NOT PUBLIC."),
("tungsten_mine",None,"t W",None,2041,0.01,0,
 MCS26,
 "FY2025 AMP potential acquisitions 2,041 (sum of 'ores and concentrates' + 'tungsten' rows; units per sheet = t W content - check). The NDS historically held and sold tungsten ores/powder (disposals authorised FY2017 NDAA). Holdings NOT PUBLIC."),
("cobalt_refining",None,"t Co",None,2160,0.01,0,
 MCS26+"; FT via newsmax (12 Oct 2025) and particle.news",
 "FY2025 AMP potential acquisition 60 t (the MCS cobalt footnote 8 says 'Samarium-cobalt alloy', so this line may be SmCo). FT (Oct 2025): DLA plans to buy up to US$500M of cobalt; at USGS 2025e $21/lb (~$46k/t) that is ~10,800 t; over the 5-yr window mentioned by Argus = ~2,160 t/yr (ESTIMATE, used as max_purchase). Holdings NOT PUBLIC."),
("lithium_refining",0,"t Li",0,None,0.01,0,MCS26,"lithium stockpile line 'Not available'; no NDS lithium found."),
("nickel_refining",0,"t Ni",0,None,0.01,0,"not found","no NDS nickel programme found in retrieved sources."),
("graphite_anode",0,"t",0,None,0.01,0,"not found","no NDS anode graphite found; OBBBA $2B stockpile money could in principle be used."),
("uranium_enrichment",None,"tSWU",None,None,0.01,0,"not researched",
 "NDS does not hold uranium; DOE holds separate reserves (American Assured Fuel Supply, LEU) - NOT retrieved in this pass."),
]
with open("stockpile.csv","w",newline="") as f:
    w=csv.writer(f); w.writerow(["commodity","initial_holdings","unit","max_release_per_year","max_purchase_per_year","holding_cost_share","floor","source","note"])
    for s in S: w.writerow(["" if x is None else x for x in s])
print(len(S))
