"""Short titles and one-line summaries the project writes for NIST CSF 2.0 subcategories.

NIST gives subcategories an identifier and an outcome sentence but no short title, so the
catalogs carry titles of our own (``cg:titleOrigin "project"``). The summaries state the intent
of each CSF 2.0 outcome in our own words; NIST's sentences are deliberately not reused or
paraphrased (tests/catalogs/test_prose_similarity.py checks every shipped literal against them).
"""

from __future__ import annotations

# CSF 2.0 subcategory -> (short title, one-line summary).
CSF_2_0_SUBCATEGORIES: dict[str, tuple[str, str]] = {
    "GV.OC-01": (
        "Mission shapes risk management",
        "Cyber risk choices start from a clear grasp of what the organisation exists to do.",
    ),
    "GV.OC-02": (
        "Stakeholder needs and expectations",
        "Know who has a stake, inside and out, and weigh what they expect on cyber risk.",
    ),
    "GV.OC-03": (
        "Legal, regulatory and contractual obligations",
        "Track and meet the laws, rules and contract terms, privacy included, that bear on security.",
    ),
    "GV.OC-04": (
        "Services others depend on",
        "Be clear, and tell others, which outputs customers and partners count on from you.",
    ),
    "GV.OC-05": (
        "Dependencies of the organisation",
        "Know and share which outside outcomes and services your own operations need.",
    ),
    "GV.RM-01": (
        "Agreed risk management objectives",
        "Stakeholders sign off on what risk management is meant to achieve.",
    ),
    "GV.RM-02": (
        "Risk appetite and tolerance statements",
        "Decide, publish and keep current how much risk is acceptable.",
    ),
    "GV.RM-03": (
        "Cyber risk within enterprise risk",
        "Cyber risk work feeds the organisation-wide risk process instead of sitting apart.",
    ),
    "GV.RM-04": (
        "Direction on risk responses",
        "Leadership sets and shares which ways of treating risk are acceptable.",
    ),
    "GV.RM-05": (
        "Channels for raising cyber risk",
        "Clear routes exist for escalating cyber risks, supplier ones included, across the organisation.",
    ),
    "GV.RM-06": (
        "Standard method for scoring risk",
        "One shared way to score, record, group and rank cyber risks.",
    ),
    "GV.RM-07": (
        "Positive risks and opportunities",
        "Upside risks are spotted and weighed alongside threats.",
    ),
    "GV.RR-01": (
        "Leadership accountability and risk culture",
        "Senior leaders own cyber risk and promote an ethical, learning, risk-aware culture.",
    ),
    "GV.RR-02": (
        "Defined cybersecurity roles and authorities",
        "Who does what in cyber risk management is set, known and upheld.",
    ),
    "GV.RR-03": (
        "Adequate resources for cybersecurity",
        "Budget and staffing match the risk strategy and the duties assigned.",
    ),
    "GV.RR-04": (
        "Security in HR practices",
        "Hiring, onboarding, role changes and departures take security into account.",
    ),
    "GV.PO-01": (
        "Cybersecurity policy in place",
        "A risk policy grounded in context and strategy exists, is shared and is applied.",
    ),
    "GV.PO-02": (
        "Policy kept up to date",
        "The policy is revisited whenever threats, technology, requirements or mission shift.",
    ),
    "GV.OV-01": (
        "Review of strategy outcomes",
        "Results of the risk strategy are examined to steer where it goes next.",
    ),
    "GV.OV-02": (
        "Strategy adjusted for full coverage",
        "The strategy is reassessed so it still answers every requirement and risk.",
    ),
    "GV.OV-03": (
        "Evaluation of risk management performance",
        "How well cyber risk is handled is measured and corrected where needed.",
    ),
    "GV.SC-01": (
        "Supply chain risk management programme",
        "A supplier-risk programme with goals, policy and process, endorsed by stakeholders.",
    ),
    "GV.SC-02": (
        "Security roles of suppliers and partners",
        "Security duties shared with vendors, clients and partners are agreed and coordinated.",
    ),
    "GV.SC-03": (
        "Supply chain risk built into processes",
        "Supplier risk is part of wider risk, assessment and improvement work.",
    ),
    "GV.SC-04": (
        "Suppliers ranked by criticality",
        "Keep a known list of suppliers ordered by how much the business relies on them.",
    ),
    "GV.SC-05": (
        "Security requirements in supplier contracts",
        "Supplier security expectations are set, ranked and written into agreements.",
    ),
    "GV.SC-06": (
        "Due diligence before engaging suppliers",
        "Vet and plan before signing up any outside supplier or partner.",
    ),
    "GV.SC-07": (
        "Supplier risk managed throughout relationship",
        "Supplier and product risks are assessed, handled and watched for as long as the tie lasts.",
    ),
    "GV.SC-08": (
        "Suppliers in incident activities",
        "Plan, rehearse and recover from incidents together with the suppliers that matter.",
    ),
    "GV.SC-09": (
        "Supply chain security monitored over life cycle",
        "Supply chain safeguards sit in risk programmes and are tracked from product design to retirement.",
    ),
    "GV.SC-10": (
        "Provisions for ending supplier relationships",
        "Plans cover access, data and obligations once a supplier contract or partnership ends.",
    ),
    "ID.AM-01": (
        "Hardware asset register",
        "Keep an up-to-date list of the devices the organisation manages.",
    ),
    "ID.AM-02": (
        "Inventory of software and services",
        "List the applications, platforms and systems you run, and keep the list current.",
    ),
    "ID.AM-03": (
        "Network communications and data flows",
        "Document approved connections and where data travels, internally and externally.",
    ),
    "ID.AM-04": (
        "Register of bought-in services",
        "List what outside providers run or deliver for you, and keep that list current.",
    ),
    "ID.AM-05": (
        "Assets prioritised by importance",
        "Decide which assets deserve protection first, weighing how sensitive and important they are.",
    ),
    "ID.AM-07": (
        "Inventory of data and metadata",
        "Catalogue chosen kinds of data together with their descriptive metadata.",
    ),
    "ID.AM-08": (
        "Asset life cycle management",
        "Look after every asset from the day it is bought to the day it is disposed of.",
    ),
    "ID.RA-01": (
        "Identification of asset vulnerabilities",
        "Find, confirm and record weaknesses in assets.",
    ),
    "ID.RA-02": (
        "Threat intelligence from sharing sources",
        "Subscribe to threat feeds and trusted communities that pass on warnings.",
    ),
    "ID.RA-03": (
        "Identification of threats",
        "Spot and log threats coming from inside and outside the organisation.",
    ),
    "ID.RA-04": (
        "Impact and likelihood estimation",
        "Estimate how probable an exploit is and what harm would follow.",
    ),
    "ID.RA-05": (
        "Inherent risk and response priorities",
        "Combine threat, weakness, likelihood and impact to gauge risk and decide what to treat first.",
    ),
    "ID.RA-06": (
        "Risk responses planned and tracked",
        "Pick, rank, plan, follow up and report on how each risk is treated.",
    ),
    "ID.RA-07": (
        "Change and exception management",
        "Nothing is altered or waived without weighing the risk, writing it down and following it up.",
    ),
    "ID.RA-08": (
        "Handling of vulnerability disclosures",
        "A process exists to take in and act on vulnerabilities reported by others.",
    ),
    "ID.RA-09": (
        "Authenticity of hardware and software",
        "Confirm products are genuine and untampered before buying or deploying them.",
    ),
    "ID.RA-10": (
        "Assessment of critical suppliers",
        "Evaluate critical suppliers before acquiring anything from them.",
    ),
    "ID.IM-01": (
        "Lessons drawn from assessments",
        "Reviews and assessments yield improvement actions.",
    ),
    "ID.IM-02": (
        "Improvements from tests and exercises",
        "Security tests and drills, joint ones with suppliers included, yield improvements.",
    ),
    "ID.IM-03": (
        "Improvements from operations",
        "Day-to-day operational experience yields improvements.",
    ),
    "ID.IM-04": (
        "Incident response and operational plans",
        "Response and related plans exist, are shared, kept current and refined.",
    ),
    "PR.AA-01": (
        "Identity and credential management",
        "Issue and look after identities and credentials for people, services and devices.",
    ),
    "PR.AA-02": (
        "Identity proofing and credential binding",
        "Verify who someone is before tying them to a credential, in proportion to context.",
    ),
    "PR.AA-03": (
        "Authentication of users and devices",
        "People, services and hardware prove who they are before being let in.",
    ),
    "PR.AA-04": (
        "Safeguarding federated identity claims",
        "Tokens and assertions about identity are safeguarded in transit and checked on receipt.",
    ),
    "PR.AA-05": (
        "Access rights and least privilege",
        "Access rights are set by policy, kept minimal, split between people where needed, and reviewed.",
    ),
    "PR.AA-06": (
        "Management of physical access",
        "Gate and observe entry to sites and rooms, with controls scaled to the risk.",
    ),
    "PR.AT-01": (
        "General security awareness training",
        "All staff get training to do their work with cyber risk in mind.",
    ),
    "PR.AT-02": (
        "Training for specialised roles",
        "People in specialist roles get training tailored to their tasks.",
    ),
    "PR.DS-01": (
        "Protection of stored data",
        "Data held in storage stays confidential, intact and available.",
    ),
    "PR.DS-02": (
        "Protection of data in transit",
        "Data moving over networks stays confidential, intact and available.",
    ),
    "PR.DS-10": (
        "Protection of data in use",
        "Data being processed stays confidential, intact and available.",
    ),
    "PR.DS-11": (
        "Backup copies and restore tests",
        "Make, protect, keep and test backup copies of data.",
    ),
    "PR.PS-01": (
        "Secure baseline settings",
        "Decide how systems must be set up securely and keep them that way.",
    ),
    "PR.PS-02": (
        "Software maintenance and removal",
        "Patch, replace or retire software according to risk.",
    ),
    "PR.PS-03": (
        "Hardware maintenance and removal",
        "Service, replace or retire hardware according to risk.",
    ),
    "PR.PS-04": (
        "Logs generated for monitoring",
        "Produce logs and feed them to monitoring.",
    ),
    "PR.PS-05": (
        "Blocking unapproved software",
        "Block the installation or running of software that is not approved.",
    ),
    "PR.PS-06": (
        "Secure software development practices",
        "Build software securely and track how well those practices work across the life cycle.",
    ),
    "PR.IR-01": (
        "Protection of networks and environments",
        "Keep unauthorised users and traffic out of networks and computing environments by logical means.",
    ),
    "PR.IR-02": (
        "Protection from environmental threats",
        "Technology assets are safeguarded against hazards such as fire, flood or power loss.",
    ),
    "PR.IR-03": (
        "Mechanisms for resilience requirements",
        "Failover and similar mechanisms keep systems meeting resilience targets in good times and bad.",
    ),
    "PR.IR-04": (
        "Capacity to sustain availability",
        "Keep enough capacity for services to stay available.",
    ),
    "DE.CM-01": (
        "Monitoring of networks and services",
        "Spot signs of attack or misuse in network traffic and network services.",
    ),
    "DE.CM-02": (
        "Monitoring of the physical environment",
        "Spot intrusions or hazards through physical surveillance and sensors.",
    ),
    "DE.CM-03": (
        "Monitoring of personnel and technology use",
        "Spot suspicious behaviour in what staff do and how technology is used.",
    ),
    "DE.CM-06": (
        "Monitoring of external service providers",
        "Spot suspicious behaviour in outsourced providers' activity.",
    ),
    "DE.CM-09": (
        "Monitoring of computing environments",
        "Spot compromise on endpoints, servers, runtimes and the data they hold.",
    ),
    "DE.AE-02": (
        "Analysis of adverse events",
        "Examine suspicious events to understand what activity lies behind them.",
    ),
    "DE.AE-03": (
        "Correlation across multiple sources",
        "Combine data from several sources to see the fuller picture.",
    ),
    "DE.AE-04": (
        "Impact and scope of events",
        "Work out how far an adverse event reaches and what it affects.",
    ),
    "DE.AE-06": (
        "Event information to authorised recipients",
        "Pass adverse event findings to the people and tools entitled to act on them.",
    ),
    "DE.AE-07": (
        "Threat intelligence in event analysis",
        "Enrich event analysis with threat intelligence and business context.",
    ),
    "DE.AE-08": (
        "Declaration of incidents",
        "Agreed thresholds decide when something counts as an incident and is handled as one.",
    ),
    "RS.MA-01": (
        "Execution of incident response plan",
        "When an incident is called, work through the plan, bringing in outside help as needed.",
    ),
    "RS.MA-02": (
        "Triage of incident reports",
        "Sift what gets reported to tell real incidents from noise.",
    ),
    "RS.MA-03": (
        "Ranking incidents by type and urgency",
        "Classify incidents and decide which to handle first.",
    ),
    "RS.MA-04": (
        "Escalation of incidents",
        "Raise incidents to higher levels of authority when warranted.",
    ),
    "RS.MA-05": (
        "Criteria for starting recovery",
        "Apply the agreed tests for deciding when recovery begins.",
    ),
    "RS.AN-03": (
        "Incident root cause analysis",
        "Reconstruct what happened and find the underlying cause.",
    ),
    "RS.AN-06": (
        "Records of investigation actions",
        "Log investigative steps and keep that log trustworthy and traceable.",
    ),
    "RS.AN-07": (
        "Collection of incident evidence",
        "Preserve logs and other evidence so later analysis can rely on them and trace where they came from.",
    ),
    "RS.AN-08": (
        "Estimation of incident magnitude",
        "Estimate and confirm how large an incident is.",
    ),
    "RS.CO-02": (
        "Notification of incidents to stakeholders",
        "Everyone inside or outside the organisation who needs to know hears about an incident.",
    ),
    "RS.CO-03": (
        "Sharing of incident information",
        "Share incident details with the parties designated to receive them.",
    ),
    "RS.MI-01": (
        "Containment of incidents",
        "Stop an incident from spreading further.",
    ),
    "RS.MI-02": (
        "Eradication of incidents",
        "Remove the cause and traces of an incident from the environment.",
    ),
    "RC.RP-01": (
        "Execution of recovery plan",
        "Once response work hands over, carry out the recovery steps the plan sets out.",
    ),
    "RC.RP-02": (
        "Selection and performance of recovery actions",
        "Choose, scope, order and carry out recovery work.",
    ),
    "RC.RP-03": (
        "Checking restore sources before use",
        "Check backups and other restore sources are sound before relying on them.",
    ),
    "RC.RP-04": (
        "Post-incident operational norms",
        "Set how operations will run after an incident, with critical functions and risk in view.",
    ),
    "RC.RP-05": (
        "Verification of restored assets",
        "Before calling recovery done, confirm what was rebuilt is sound and the business runs as usual.",
    ),
    "RC.RP-06": (
        "Declaring the end of recovery",
        "Sign off the recovery only once the agreed exit conditions hold, and close the incident file.",
    ),
    "RC.CO-03": (
        "Communication of recovery progress",
        "Keep designated parties informed as capabilities come back.",
    ),
    "RC.CO-04": (
        "Public updates on recovery",
        "Give the public approved updates on how recovery is going.",
    ),
}
