import csv
P=[]
def a(*r): P.append(r)
# ---------------- rare earths: separation / refining (t REO) ----------------
a("rare_earths_refining","USA","Mountain Pass separation (NdPr)","MP Materials",1294,"t NdPr oxide",2024,"operating",
  "MP Materials via pm-review.com (27 Jan 2025) https://www.pm-review.com/mp-materials-begins-us-rare-earth-magnet-production-at-texas-facility/ ; finviz/Zacks (Nov 2025) https://finviz.com/news/234093/mp-materials-ndpr-production-soars-can-growth-continue",
  "2024 output ~1,300 t NdPr oxide (1,294 t); 9M-2025 1,881 t; Q3-2025 record 721 t (~2,900 t/yr run-rate). Already inside the base USA row (USGS 8,900 t REO compounds 2025e incl. La/Ce and Utah). DoD deal (10 Jul 2025) funds expanded separation; separation nameplate after expansion NOT FOUND.")
a("rare_earths_refining","USA","Mountain Pass heavy RE (Dy/Tb) circuit","MP Materials",200,"t Dy+Tb oxide",2026,"under construction",
  "MP Q3-2025 results via reportify.ai / rareearthexchanges.com (6 Nov 2025) https://rareearthexchanges.com/?p=14660",
  "nameplate ~200 t/yr Dy/Tb from ~3,000 t/yr feed; commissioning mid-2026; funded by $150M DoD loan (DoD deal 10 Jul 2025). Small in t REO but critical for magnets.")
a("rare_earths_refining","USA","White Mesa Mill Phase 1 REE circuit","Energy Fuels",1000,"t NdPr oxide",2024,"operating",
  "Engineering News (11 Jun 2024) https://engineeringnews.co.za/print-version/energy-fuels-achieves-commercial-production-of-separated-rare-earths-at-white-mesa-2024-06-11",
  "design capacity 850-1,000 t/yr NdPr; campaign-operated (monazite feed); commercial output from late 2026 with Donald (AUS) feed from 2027 (metalnomist, Sep 2025). Likely inside USGS 'Utah compounds'.")
a("rare_earths_refining","USA","White Mesa Mill Phase 2 REE expansion","Energy Fuels",5000,"t NdPr oxide (incremental)",2029,"planned",
  "Energy Fuels BFS (Jan 2026) via stocktwits.com https://stocktwits.com/news-articles/markets/equity/why-is-uuuu-stock-rising-pre-market-today/cmU1lbWR47H ; cruxinvestor.com",
  "BFS Jan 2026: capex $410M; NdPr capacity 1,000 -> >6,000 t/yr plus 240 t Dy and 66 t Tb; regulatory approval targeted mid-2027, construction/commissioning by Q1 2029. Total REO separated will exceed NdPr (La/Ce co-products) - NdPr is a conservative REO count.")
a("rare_earths_refining","USA","Seadrift (TX) light + heavy RE processing","Lynas USA",1250,"t NdPr oxide (light circuit) + HRE n/a",None,"planned (in doubt)",
  "C&EN (30 Jan 2021) https://cen.acs.org/materials/inorganic-chemistry/Lynas-build-Texas-rare-earths/99/i4 ; mqworld.com (1 Aug 2023); samarium.dev (28 Nov 2025) https://samarium.dev/news/lynas-texas-plant-stalls-amid-u-s-policy-shift",
  "DoD contract ~US$258M (Jul 2023) for HRE plant, 'operational in FY2026' then; Nov 2025: management says unlikely to proceed under current conditions. Use only in an optimistic scenario.")
a("rare_earths_refining","MYS","Lynas Malaysia NdPr (Lynas 2025 capacity)","Lynas Rare Earths",12000,"t NdPr oxide",2025,"operating (ramping)",
  "Australian Mining (2025) https://www.australianmining.com.au/lynas-mt-weld-gets-a-boost/ ; Zacks/finviz (Nov 2025)",
  "targeted 12,000 t/yr NdPr finished product (Mt Weld reserve upgrade Aug 2024). Actual Q1 FY26 (Sep 2025) NdPr 2,003 t/quarter (~8,000 t/yr). Base MYS row (3,350 t REO accessible) covers part of this.")
a("rare_earths_refining","MYS","Lynas Malaysia Dy/Tb circuit","Lynas Rare Earths",1500,"t SEGH feed",2025,"operating",
  "Engineering News (27 Jun 2024) https://engineeringnews.co.za/print-version/lynas-targets-2025-production-for-separated-heavy-rare-earths-at-malaysian-facility-2024-06-27",
  "capex A$25M; separates up to 1,500 t/yr of mixed heavy (SEGH) feed into Dy, Tb etc.; commissioning mid-2025; first HRE customer contracts Sep-2025 quarter.")
a("rare_earths_refining","MYS","Lynas Malaysia new HRE separation facility","Lynas Rare Earths",5000,"t HRE feed",2027,"planned",
  "Process Online (late 2025) https://www.processonline.com.au/content/business/news/lynas-to-expand-heavy-rare-earths-separation-facility-in-malaysia-940202364 ; lcdproduct.com (31 Oct 2025)",
  "capex ~A$180M (MYR 500M), self-funded; Sm from Apr 2026; initial HRE suite 'within two years' (=> ~2027); subject to approvals. Capacity is feed, not oxide output.")
a("rare_earths_refining","AUS","Eneabba rare earths refinery","Iluka Resources",17500,"t REO",2027,"under construction",
  "WA Government (Apr 2022) https://wa.gov.au/government/announcements/australias-first-integrated-rare-earths-refinery ; NS Energy (Dec 2024) https://nsenergybusiness.com/news/australia-commits-additional-257m-to-ilukas-eneabba-rare-earths-refinery",
  "17.5 kt/yr TREO capacity (FID Apr 2022); capex raised to A$1.7-1.8B after FEED (Dec 2023); A$1.25B + A$0.4B government loans; commissioning 2027. Separated light+heavy oxides (Nd, Pr, Dy, Tb).")
a("rare_earths_refining","AUS","Nolans (mine + separation)","Arafura Rare Earths",4440,"t NdPr oxide (13,343 t TREO equiv.)",None,"planned",
  "Mining Weekly (11 May 2021) https://www.miningweekly.com/print-version/arafura-aims-for-nolans-fid-in-2022-2021-05-11 ; Business News (29 Apr 2024) https://www.businessnews.com.au/article/Arafura-pursues-FID-on-Nolans-project?amp",
  "4,440 t/yr NdPr + 474 t HREO; capex ~A$1.6B (2024), A$840M government finance package (Mar 2024); FID not confirmed in retrieved text - start year NOT FOUND (ESTIMATE 2029 if FID 2026).")
a("rare_earths_mine","AUS","Kalgoorlie cracking & leaching (MREC)","Lynas Rare Earths",None,"t REO (MREC)",2024,"operating",
  "SEAISI/Kallanish (11 Nov 2024) https://seaisi.org/details/25722?type=news-rooms",
  "A$800M plant opened Nov 2024; produces mixed rare earth carbonate (intermediate) feeding Malaysia - not separated oxide, so it is NOT rare_earths_refining capacity.")
a("rare_earths_refining","FRA","La Rochelle magnet-RE line","Solvay",4500,"t REO",2030,"operating (ramping)",
  "Automotive World / Solvay (9 Apr 2025) https://www.automotiveworld.com/news-releases/solvay-advances-european-rare-earths-production-through-capacity-expansion/ ; 24brussels.online (Apr 2025) https://24brussels.online/?p=13798 ; SEAISI (9 Apr 2025)",
  "commercial NdPr production from 8 Apr 2025, 'several hundred tonnes' in 2025; target ~4,500 t/yr (30% of EU magnet-RE demand) by 2030; full-scale 2,000-5,000 t REO would need ~EUR100M, conditional on customer orders. FRA has no row in supply.csv today.")
a("rare_earths_refining","EST","Silmet light RE separation","Neo Performance Materials",3000,"t REO",2024,"operating",
  "Argus (2024) https://www.argusmedia.com/de/news-and-insights/latest-market-news/2465359-magnequench-starts-building-estonia-re-magnet-plant ; metalnomist.com (Dec 2025)",
  "existing 3,000 t/yr light RE separation at Sillamae; base EST row (418 t accessible) reflects it. Feed partly from Energy Fuels mixed carbonate.")
# ---------------- NdFeB magnets (t) ----------------
a("ndfeb_magnets","USA","Independence (Fort Worth, TX)","MP Materials",1000,"t",2025,"operating (ramping)",
  "MP Materials release via marketscreener (Jan 2025) https://www.marketscreener.com/quote/stock/MP-MATERIALS-CORP-108730348/news/MP-Materials-Restores-U-S-Rare-Earth-Magnet-Production-48837729/",
  "~1,000 t/yr sintered NdFeB; trial production Jan 2025, ramp from late 2025, GM main customer; commercial-scale magnet production expected by end-2025 (Q3-25 call).")
a("ndfeb_magnets","USA","10X magnet campus (Northlake, TX)","MP Materials",9000,"t",2028,"under construction",
  "MP Materials release via investingnews.com (26 Feb 2026) https://investingnews.com/mp-materials-selects-northlake-texas-as-the-site-of-10x-a-new-u-s-rare-earth-magnet-manufacturing-campus/ ; DoD deal: adamasintel.com (Jul 2025), MP 10-Q Q3-2025 via stocktitan.net",
  "site chosen 26 Feb 2026; >US$1.25B; commissioning from 2028; brings MP total to ~10,000 t/yr => 10X ~9,000 t by difference (ESTIMATE; one trade article says +10,000 t). DoD (10 Jul 2025): $400M preferred equity, 10-yr 100% offtake of 10X magnets (cost-plus, >=$140M/yr EBITDA after ramp), NdPr price floor $110/kg from 1 Oct 2025 for 10 yrs, $150M HREE loan.")
a("ndfeb_magnets","USA","San Marcos (TX) plant","Noveon Magnetics",2000,"t",2023,"operating",
  "Noveon / Austin Business Journal (Feb 2023), see inputs/research/issue10/standby_capacity.md; rareearthexchanges.com correction (late 2025)",
  "nameplate 2,000 t/yr magnetic material; commercial production since 2023; output not published. Already in base (USA 2,000 t).")
a("ndfeb_magnets","USA","Sumter (SC) plant","e-VAC Magnetics (VAC Group)",2000,"t",2026,"operating (ramping)",
  "Fastmarkets (14 Dec 2023) https://fastmarkets.com/insights/e-vac-to-build-rare-earth-magnet-plant-in-south-carolina ; Rare Earth Exchanges (late 2025) https://rareearthexchanges.com/news/a-magnet-ships-and-a-line-is-crossed",
  "investment >US$500M incl. $94.1M DoD and $111.8M 48C credit; first commercial magnets shipped late 2025; VAC did not disclose capacity (Fastmarkets) - 2,000 t/yr by 2026 is from Rare Earth Exchanges (LOW-MEDIUM confidence). GM long-term supply agreement.")
a("ndfeb_magnets","USA","Stillwater (OK) magnet plant phase 1","USA Rare Earth",1200,"t",2026,"under construction",
  "minelistings.com (2024) https://minelistings.com/mine-news/usa-rare-earth-produces-first-batch-of-magnets-at-oklahoma-plant ; Washington Post via Stars and Stripes (22 Jun 2025)",
  "phase 1 1,200 t/yr, nameplate 4,800 t/yr; equipment ex-Hitachi NC; >US$100M; magnets 'early 2026'. Earlier targets (2023, 2024) slipped.")
a("ndfeb_magnets","USA","Stillwater (OK) magnet plant full nameplate","USA Rare Earth",3600,"t (incremental to 4,800)",None,"planned",
  "minelistings.com (2024), as above","year for full 4,800 t/yr NOT FOUND (ESTIMATE 2028-2029).")
a("ndfeb_magnets","USA","Benson (NC) magnet facility","Vulcan Elements (+ ReElement Technologies)",10000,"t",2027,"planned",
  "DoW/OSC release (Nov 2025) https://www.war.gov/News/Releases/Release/Article/4339788/ ; Manufacturing Dive (Nov 2025) https://www.manufacturingdive.com/news/vulcan-elements-benson-north-carolina-magnet-facility-defense-rare-earth/806075 ; Tectonic (Nov 2025) https://www.tectonicdefense.com/?p=1050",
  "announced 3 Nov 2025: $620M OSC conditional loan, $50M CHIPS incentive, $550M private; $918.1M facility, 10,000 t/yr, 1,000 jobs; CEO expects initial operations 2027; full 10,000 t 'in the next several years' (year NOT FOUND). ReElement: $80M OSC loan for separation/recycling feed.")
a("ndfeb_magnets","EST","Narva magnet plant phase 1","Neo Performance Materials",2000,"t",2025,"operating (ramping)",
  "Automotive World (19 Sep 2025) https://www.automotiveworld.com/articles/neo-opens-estonia-rare-earth-plant-to-cut-eu-reliance-on-china/ ; metalnomist.com (Dec 2025) https://www.metalnomist.com/2025/12/neo-estonia-rare-earth-magnet-plant.html",
  "EUR75M plant inaugurated Sep 2025, commercial ramp 2026; 35% of phase-1 output committed to a European traction-motor supplier; Bosch multi-year contract. EST has no ndfeb row today (XOT).")
a("ndfeb_magnets","EST","Narva magnet plant phase 2","Neo Performance Materials",3000,"t (incremental to 5,000)",2027,"planned",
  "newsbytesapp.com (19 Sep 2025); Argus (2024)","expansion to 5,000 t/yr; 'begin expansion ... in 2027' - availability year ESTIMATE 2028.")
# ---------------- gallium / germanium ----------------
a("gallium_primary","AUS","Wagerup gallium plant","Alcoa + JAGA (Sojitz/JOGMEC) + US & Australian govts",100,"t Ga",2026,"planned",
  "Alcoa release (20 Oct 2025) via australianmanufacturing.com.au https://www.australianmanufacturing.com.au/governments-back-alcoas-gallium-manufacturing-project-in-western-australia ; Motley Fool AU (21 Oct 2025) https://www.fool.com.au/2025/10/21/alcoa-shares-fly-on-huge-us-deal-win",
  "100 t/yr; non-binding; FID and production targeted 2026; US & AUS governments take offtake in proportion to capital (US$200M concessional equity package announced 20 Oct 2025). Already a planned row in base (AUS 100 t, 2026). Realistic first output ESTIMATE 2027-28.")
a("gallium_primary","KOR","Onsan gallium recovery","Korea Zinc",15.5,"t Ga",2028,"planned",
  "Chosun Biz (19 Oct 2025) https://biz.chosun.com/en/en-industry/2025/10/19/2QZZGDCAWNBC5DXIKIZLLT3ZTU/",
  "KRW 55.7bn investment through Dec 2027; pilot H1 2028 then full commercial operation ~15.5 t/yr. Base KOR row says 'year not found' - this source gives 2028.")
a("gallium_primary","USA","Clarksville (TN) smelter 'Project Crucible'","Korea Zinc + US government (Crucible JV)",None,"t Ga",2029,"planned",
  "UPI (16 Dec 2025) via topnews.com ; c114pro.com (15 Dec 2025) https://www.c114pro.com/chipnews/133362.html",
  "US$7.4B smelter, phased commercial operation from 2029; 5,100 t/yr of 'other materials' incl. antimony, indium, bismuth, tellurium, gallium (and germanium) - per-metal volumes NOT FOUND. DoD to hold 40.1% of JV.")
a("gallium_primary","USA","Louisiana Ga/Sc demonstration from industrial waste","(unnamed US company; DPA Title III)",None,"t Ga",None,"planned (demo)",
  "USGS MCS 2026 gallium (Feb 2026) https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-gallium.pdf",
  "Nov 2025 DPA Title III award $29.9M; demonstration scale, volume not stated.")
a("germanium_refined","KOR","Onsan germanium plant","Korea Zinc (Lockheed Martin offtake MoU)",10,"t Ge",2028,"planned",
  "Evertiq (26 Aug 2025) https://evertiq.com/news/2025-08-26-korea-zinc-and-lockheed-martin-ink-mou-on-germanium-supply ; Korea Herald (26 Aug 2025) https://www.koreaherald.com/article/10562072",
  "KRW 140bn (~US$100M); trial 2027, full production H1 2028; ~10 t/yr Ge (as GeO2); ex-China feed; Lockheed priority rights. Already a planned row in base (KOR 10 t).")
# ---------------- graphite anode ----------------
a("graphite_anode","USA","Vidalia (LA) AAM plant","Syrah Resources",11250,"t",2024,"operating",
  "Northern Miner (Feb 2024) https://secure.northernminer.com/?p=1003863764",
  "natural-graphite AAM; production started Feb 2024; Tesla offtake 8 kt/yr subject to qualification; in base (USA 11,200 t). Utilisation after 2024 NOT FOUND.")
a("graphite_anode","USA","Vidalia further expansion","Syrah Resources",33750,"t (incremental to 45,000)",None,"planned",
  "finanzen.at/Mining.com (9 Feb 2024) https://www.finanzen.at/nachrichten/aktien/syrah-starts-active-anode-material-production-in-louisiana-13248272",
  "expansion to 45 kt/yr 'to readiness for FID'; US$350M DOE ATVM loan application (2024); year NOT FOUND.")
a("graphite_anode","USA","Riverside (Chattanooga, TN)","Novonix",20000,"t",2025,"planned",
  "chargedevs.com (Dec 2024) https://chargedevs.com/newswire/novonix-receives-755-million-conditional-doe-loan-commitment-for-tennessee-graphite-plant/",
  "SYNTHETIC graphite; commercial production scheduled 2025 ramping to 20 kt/yr (status after 2025 NOT FOUND). Synthetic anode is outside the natural-flake recipe of the case.")
a("graphite_anode","USA","New Chattanooga synthetic graphite plant","Novonix",31500,"t",2028,"planned",
  "evengineeringonline.com / DOE LPO (16 Dec 2024) https://www.evengineeringonline.com/new-investment-advances-domestic-graphite-supply-for-ev-batteries/",
  "US$754.8M conditional DOE loan on US$943.6M eligible investment; 21,000 t (tranche 1) + 10,500 t (tranche 2); full capacity by end-2028. Synthetic.")
# ---------------- lithium ----------------
a("lithium_refining","USA","Thacker Pass Phase 1 (NV)","Lithium Americas (GM JV 38%)",7514,"t Li (40,000 t LCE)",2028,"under construction",
  "SME (Oct 2024) https://www.smenet.org/newsarticle?articleid=4935 ; batteryjuniors.com (14 Mar 2024) https://batteryjuniors.com/2024/03/14/lithium-americas-announces-thacker-pass-project-update-and-2-26b-doe-loan-commitment/ ; Kallanish (Mar 2024)",
  "40,000 t/yr battery-grade Li2CO3 = 7,514 t Li (x0.18786); integrated clay mine + plant; capex US$2.93B; DOE loan $2.26B closed 28 Oct 2024; substantial completion targeted 2027, ramp up to 12 months => 2028. Phase 2 +40,000 t LCE (year NOT FOUND).")
# ---------------- antimony ----------------
a("antimony_mine","USA","Thompson Falls (MT) smelter expansion","United States Antimony Corp.",5443,"t Sb (metal/oxide)",2026,"under construction",
  "westernmt.news (2 Oct 2025) https://www.westernmt.news/2025/10/02/thompson-falls-antimony-expansion-creates-25-jobs-as-montana-breaks-chinese-mineral-dependence ; DPA $27M award note (web3.cnoyu.net summary)",
  "from ~100 to >500 tons/month (500 short t x12 = 5,443 t; unit ambiguous), <US$15M; completion ~Apr 2026. Smelter of imported/Alaska ore (the case's antimony_mine includes smelters). Current: up to 5M lb metal/yr (2,268 t). DLA 5-yr sole-source $245M NDS contract (Sep 2025).")
a("antimony_mine","USA","Stibnite Gold Project (ID)","Perpetua Resources",4475,"t Sb (average)",2028,"under construction",
  "Northern Miner (Oct 2025) https://secure.northernminer.com/news/stibnite-gold-antimony-project-okd-for-construction/1003882782 ; Benzinga (23 Oct 2025)",
  "construction began Oct 2025; commercial production by 2028; 148 Mlb Sb over 15-yr life = 4,475 t/yr average (derived); '>35% of US demand' in first 6 years. Concentrate needs a smelter (USAC/Sunshine agreements).")
a("antimony_mine","KOR","Onsan antimony exports to US","Korea Zinc",240,"t Sb",2025,"operating",
  "jakotaindex.com (Aug 2025); investing.com (25 Aug 2025)","began exports to US Jun 2025; >100 t in 2025, target >240 t/yr. KOR has no antimony row in supply.csv.")
# ---------------- tungsten ----------------
a("tungsten_mine","KOR","Sangdong phase 1","Almonty Industries",1824,"t W (2,300 t WO3)",2025,"operating (ramping)",
  "Northern Miner (2024) https://secure.northernminer.com/news/almonty-nears-first-production-at-its-tungsten-mine-in-south-korea/1003870921 ; middle.news (10 Jul 2025)",
  "phase 1 ~2,300 t/yr WO3 (x0.793 = 1,824 t W), 640 kt/yr ore, production H2 2025; US$105M phase-1 capex (KfW US$75M). Another report: 2,500 t/yr of 65% concentrate (= ~1,290 t W). Concentrate earmarked for US under long-term contract. KOR has no tungsten row in supply.csv.")
a("tungsten_mine","KOR","Sangdong phase 2 + oxide plant","Almonty Industries",1824,"t W (incremental)",2027,"planned",
  "middle.news (10 Jul 2025) https://www.middle.news/articles/2025/07/10/almonty-confirms-sangdong-mine-phase-i-start-eyes-12mtpa-expansion",
  "throughput 640 kt -> 1.2 Mt/yr, fully permitted, 'as early as 2026'; roughly doubles output; ~4,000 t/yr tungsten oxide plant in Korea from 2028. Year ESTIMATE 2027.")
# ---------------- enrichment ----------------
a("uranium_enrichment","USA","Urenco USA (Eunice, NM) expansion","Urenco (LES)",700,"tSWU",2025,"operating (ramping)",
  "ANS Nuclear News (20 May 2025) https://www.ans.org/news/article-7053/urenco-usa-feeds-uf6-into-new-us-commercial-enrichment-cascade ; WNN (Oct 2024)",
  "+~700 tSWU/yr (+15% on 4,600 tSWU); first new cascade fed May 2025, expansion complete early 2027 (use 2025-2027 ramp). Further expansion 'subject to market demand'.")
a("uranium_enrichment","USA","Project IKE (Oak Ridge, TN)","Orano",None,"tSWU",2031,"planned",
  "pulse2.com (Jan 2026) https://pulse2.com/orano-secures-900-million-doe-funding-for-planned-u-s-uranium-enrichment-plant-in-tennessee ; modernmechanics24.com (Jan 2026)",
  "~US$5B plant; DOE $900M task order (5 Jan 2026); NRC licence application H1 2026; production from 2031. Capacity NOT FOUND in retrieved text (design 'dependent on customer demand').")
a("uranium_enrichment","USA","Piketon (OH) LEU + HALEU expansion","Centrus Energy (American Centrifuge Operating)",None,"tSWU",2029,"planned",
  "energyheadlines.com (Dec 2025) https://energyheadlines.com/us-enrichment-companies-end-2025-on-high-note ; WNN (Jan 2026) https://www.world-nuclear-news.org/articles/us-enrichment-funding-reactions",
  "centrifuge manufacturing started 19 Dec 2025; first new LEU capacity online 2029; DOE $900M task order (5 Jan 2026); capacity NOT FOUND. Existing HALEU cascade: 900 kg HALEU/yr (not LEU-scale).")
with open("projects.csv","w",newline="") as f:
    w=csv.writer(f)
    w.writerow(["commodity","country","project","company","capacity","unit","available_from","status","source","note"])
    for r in P: w.writerow(["" if x is None else x for x in r])
print(len(P))
