## Felles
site-name = Helseportal
skip-to-content = Hopp til hovedinnhold
language-link = Språk/Language
log-in = Logg inn
log-out = Logg ut
back-to-front = Forside
emergency = For akutt helsehjelp, ring 113. Hvis det haster, ring legekontoret eller legevakt på 116 117.
test-environment-banner = Testmiljø — ikke ekte innlogging. Her kan hvem som helst logge inn som hvem som helst, og alle personene er oppdiktet.
footer-help = Helseportal – tjenester fra fastlegen din, trygt og når det passer deg.
footer-emergency = Ved akutt sykdom eller skade: ring 113.
logged-in-as = Logget inn som { $name }
main-menu = Hovedmeny

## Forside
front-title = Helseportal
front-lead = Kontakt fastlegen, bestill time, se meldinger og bruk helsetjenester på nett.
front-login-lead = Logg inn med elektronisk ID for å bruke tjenestene.
front-greeting = Hei, { $name }
front-gp-tile = Din fastlege
front-gp-tile-text = Kontakt fastlegen og se alle tjenestene
front-services = Dine tjenester
front-consent-tile = Samtykke
front-consent-tile-text = Se og endre samtykket ditt til bruk av Helseportal
front-language-tile = Språk/Language
front-language-tile-text = Velg bokmål eller engelsk

## Samtykke
consent-title = Samtykke til bruk av Helseportal
consent-first-lead = Første gang du logger inn, må du samtykke til bruk av Helseportal. Du kan når som helst endre eller trekke samtykket ditt.
consent-change-lead = Du kan når som helst endre eller trekke samtykket ditt.
consent-current = Ditt samtykke nå: { $level }
consent-choose = Velg samtykkenivå
consent-most-choose = De aller fleste velger samtykkenivå «Full tilgang».
consent-basis = Basis
consent-basis-text = Du kan bruke tjenester som ikke inneholder helseopplysninger om deg, for eksempel se hvem som er fastlegen din og kontaktinformasjonen til legekontoret.
consent-basis-pluss = Basis+
consent-basis-pluss-text = Som Basis. I tillegg kan du motta og lese meldinger og brev fra helsetjenesten i innboksen, og få varsel om dem.
consent-full-tilgang = Full tilgang
consent-full-tilgang-text = Som Basis+. I tillegg kan du se helseopplysninger om deg, som resepter og vaksiner, og bruke tjenestene fastlegen tilbyr: bestille time, starte e-konsultasjon, fornye resept, kontakte legekontoret og bestille influensavaksine.
consent-save = Lagre samtykke
consent-saved = Samtykket ditt er lagret.
consent-missing-choice = Du må velge et samtykkenivå før du kan gå videre.
consent-withdraw-heading = Trekke samtykket
consent-withdraw-text = Når du trekker samtykket, blir du logget ut. Neste gang du logger inn, blir du spurt om samtykke på nytt.
consent-withdraw-button = Trekk samtykket
consent-withdrawn-title = Samtykket er trukket
consent-withdrawn-text = Du har trukket samtykket ditt til bruk av Helseportal og er logget ut. Neste gang du logger inn, blir du spurt om samtykke på nytt.
consent-needs-full = Denne tjenesten krever samtykke til Full tilgang.
consent-needs-full-now = Du har samtykket til { $level }. Endre samtykket til Full tilgang for å bruke fastlegetjenestene.
consent-change-link = Endre samtykke

## Din fastlege
gp-title = Fastlegetjenester
gp-doctor-at-office = Fastlege { $doctor } ved { $office }
gp-what-do-you-need = Hva trenger du?
gp-service-bestill-time = Bestille time
gp-service-bestill-time-text = For oppmøte på legekontoret, eller på video hvis legen tilbyr dette.
gp-service-e-konsultasjon = Starte e-konsultasjon
gp-service-e-konsultasjon-text = Send melding til fastlegen for situasjoner som ikke haster. Du betaler vanlig egenandel.
gp-service-forny-resept = Fornye resept
gp-service-forny-resept-text = Gjelder bare resepter du har fått tidligere.
gp-service-kontakt-legekontoret = Kontakte legekontoret
gp-service-kontakt-legekontoret-text = For administrative spørsmål, som ferieavvikling og adkomst. Du kan ikke få helsehjelp via denne tjenesten.
gp-service-influensavaksine = Bestille influensavaksine
gp-service-influensavaksine-text = Bestill time for influensavaksine hos fastlegen.
gp-services-heading = Tjenester fastlegen tilbyr
gp-answer-time = Ved kontakt via Helseportal svarer legekontoret deg i løpet av 5 arbeidsdager.
gp-no-digital-services = Fastlegen din tilbyr ikke digitale tjenester på Helseportal
gp-no-digital-services-text = Selv om fastlegen din ikke tilbyr digitale tjenester, finner du her informasjon om hvem fastlegen din er og kontaktinformasjon til legekontoret.
gp-office-contact = Kontaktinformasjon til legekontoret
gp-phone = Tlf. { $phone }
gp-none = Du har ingen fastlege registrert
gp-none-text = Alle som er registrert som bosatt i Norge, har rett til en fastlege. Kontakt Helfo for å få en fastlege.

## Språk
language-title = Språk/Language
language-lead = Velg språk for Helseportal.
language-nb = Norsk (bokmål)
language-en = English
language-save = Bruk valgt språk

## Utlogging
logged-out-title = Du er logget ut
logged-out-text = Takk for besøket. Lukk nettleseren hvis du bruker en delt datamaskin.
logged-out-inactive-title = Du er logget ut
logged-out-inactive-text = Du ble logget ut automatisk fordi du ikke har vært aktiv på { $duration }. Logg inn igjen for å fortsette.
logged-out-max-age-text = Du ble logget ut automatisk fordi det er { $duration } siden du logget inn. Logg inn igjen for å fortsette.
session-warning-title = Du blir snart logget ut
session-warning-text = Du har ikke vært aktiv på en stund. Av sikkerhetshensyn blir du logget ut automatisk om { $duration }.
duration-minutes = { $count ->
    [one] { $count } minutt
   *[other] { $count } minutter
}
duration-seconds = { $count ->
    [one] { $count } sekund
   *[other] { $count } sekunder
}
duration-hours = { $count ->
    [one] { $count } time
   *[other] { $count } timer
}
session-continue = Fortsett å være logget inn

## Innlogging
login-failed-title = Innloggingen kunne ikke fullføres
login-failed-text = Innloggingen ble avbrutt eller er allerede brukt. Prøv å logge inn på nytt.
login-low-level-title = Innloggingen har for lavt sikkerhetsnivå
login-low-level-text = Helseportal inneholder helseopplysninger og krever innlogging på høyeste sikkerhetsnivå. Logg inn med BankID, Buypass eller Commfides.
login-unknown-person-title = Vi fant deg ikke i folkeregisteret
login-unknown-person-text = Personen du logget inn som, er ikke registrert hos oss. Kontakt Veiledning Helseportal hvis du mener dette er feil.
login-idp-unavailable-title = Innloggingstjenesten svarer ikke
login-idp-unavailable-text = Vi får ikke kontakt med innloggingstjenesten akkurat nå. Prøv igjen om litt.
login-again = Logg inn på nytt

## Testinnlogging
test-idp-title = Testinnlogging
test-idp-lead = Denne innloggingen står i stedet for den nasjonale innloggingstjenesten i demo- og testmiljøet. Velg en testperson, eller skriv inn et fødselsnummer.
test-idp-persons = Testpersoner
test-idp-citizens = Innbyggere
test-idp-staff = Ansatte ved legekontor
test-idp-fnr = Fødselsnummer
test-idp-fnr-hint = 11 siffer
test-idp-submit = Logg inn
test-idp-unknown = Ingen person med dette fødselsnummeret er registrert.
test-idp-bad-request = Innloggingsforespørselen er ugyldig.

## Feil
fnr-wrong-length = Fødselsnummeret må ha 11 siffer.
fnr-not-digits = Fødselsnummeret kan bare inneholde tall.
fnr-check-digits = Fødselsnummeret er ikke gyldig. Kontroller at du har skrevet det riktig.
fnr-birth-date = Fødselsnummeret inneholder ikke en gyldig fødselsdato.
error-not-found-title = Siden finnes ikke
error-not-found-text = Vi finner ikke siden du prøvde å åpne. Den kan være flyttet eller slettet.
error-unavailable-title = Tjenesten er midlertidig utilgjengelig
error-unavailable-text = Vi har tekniske problemer akkurat nå. Ingenting av det du sendte er lagret. Prøv igjen om litt.
error-internal-title = Noe gikk galt
error-internal-text = Det oppstod en feil hos oss. Prøv igjen om litt.
error-csrf-title = Skjemaet kunne ikke sendes
error-csrf-text = Skjemaet er utløpt eller ugyldig, og ingenting er endret. Gå tilbake, last siden på nytt og prøv igjen.
error-bad-request-title = Ugyldig forespørsel
error-bad-request-text = Forespørselen kunne ikke behandles, og ingenting er endret.
error-method-not-allowed-title = Siden kan ikke brukes på denne måten
error-method-not-allowed-text = Siden finnes, men kan ikke åpnes eller sendes slik du prøvde. Ingenting er endret. Gå tilbake og bruk lenkene og knappene på siden.
error-forbidden-title = Du har ikke tilgang
error-forbidden-text = Du har ikke tilgang til denne siden.
error-reference = Referanse: { $id }
error-too-many-title = Vent litt
error-too-many-text = Du har gjort dette mange ganger på kort tid. For å beskytte deg og andre må du vente litt før du prøver igjen. Ingenting er endret.
error-try-again-in = Du kan prøve igjen om { $duration }.
error-go-front = Gå til forsiden

## Legekontor
office-title = Helseportal for legekontor
office-lead = Logg inn for å se henvendelser og velge hvilke tjenester legekontoret tilbyr.
office-login = Logg inn som ansatt
office-not-staff-title = Du er ikke registrert som ansatt
office-not-staff-text = Personen du logget inn som, er ikke registrert som ansatt ved et legekontor.
office-dashboard-title = { $office }
office-you-are = Du er logget inn som { $name } ({ $role }).
office-role-lege = lege
office-role-resepsjon = resepsjon
office-role-kontorleder = kontorleder
office-services-link = Tjenester på Helseportal
office-services-title = Tjenester legekontoret tilbyr
office-services-lead = Velg hvilke tjenester innbyggerne på legekontorets lister skal se på Helseportal. Endringen gjelder med en gang.
office-services-save = Lagre tjenestene
office-services-saved = Tjenestene er lagret.
office-services-readonly = Bare kontorleder kan endre hvilke tjenester legekontoret tilbyr.
office-services-none-note = Velger du ingen tjenester, får innbyggerne beskjed om at fastlegen ikke tilbyr digitale tjenester.
office-services-offered = Tilbys nå
office-services-not-offered = Tilbys ikke
office-practitioners = Behandlere ved legekontoret
practitioner-fastlege = fastlege
practitioner-vikar = vikar for fastlege
practitioner-turnuslege = turnuslege
practitioner-jordmor = jordmor
practitioner-sykepleier = sykepleier
practitioner-spesialist = avtalespesialist

## Felles knapper
next = Neste
back = Tilbake
cancel = Avbryt
send = Send
yes = Ja
no = Nei
char-count = { $count }/{ $max } tegn
char-count-template = %count%/%max% tegn
error-summary-title = Skjemaet har feil
error-field-missing = Du må fylle ut «{ $field }».
error-field-too-long = Teksten er for lang: { $actual } tegn, maksimum er { $max }.
error-field-too-much-stored = Teksten har for mange sammensatte tegn, som aksenter eller emoji, til at den kan lagres. Fjern noen av dem.
consent-needs-title = Tjenesten krever et annet samtykke
consent-needs-basis-pluss = Innboksen krever samtykke til Basis+ eller Full tilgang.

## Forside: innboks
front-inbox-tile = Innboks
front-inbox-tile-text = Meldinger og brev fra helsetjenesten.
front-unread = { $count ->
    [one] { $count } ulest
   *[other] { $count } uleste
}

## E-konsultasjon
ekons-title = E-konsultasjon
ekons-pre-heading = E-konsultasjon:
ekons-step-1 = Steg 1 av 4
ekons-step-2 = Steg 2 av 4
ekons-step-3 = Steg 3 av 4
ekons-step-4 = Steg 4 av 4
ekons-info-title = Viktig informasjon før du bestiller e-konsultasjon
ekons-info-answer-time = Du får vanligvis svar innen 5 arbeidsdager.
ekons-info-not-urgent = Kun for situasjoner som ikke haster og ikke krever fysisk oppmøte.
ekons-info-copayment = Du betaler vanlig egenandel.
ekons-info-sick-leave = Kan ikke brukes til sykmelding, med mindre det er avtalt med fastlegen på forhånd.
ekons-info-accept = Jeg forstår at jeg må betale egenandel som ved en vanlig legetime. (Har du frikort eller er fritatt fra å betale egenandel, trenger du ikke å betale.)
ekons-error-copayment = Du må krysse av for at du forstår at du må betale egenandel, før du kan gå videre.
ekons-practitioners-title = Tilgjengelige behandlere
ekons-practitioners-legend = Velg behandler
ekons-practitioners-note = Hvis behandler er utilgjengelig, kan e-konsultasjon bli lest og besvart av annet helsepersonell på legekontoret.
ekons-describe-title = Beskriv situasjonen din
ekons-all-required = Alle felt må fylles ut.
ekons-subject-label = Hva ønsker du hjelp til av fastlegen?
ekons-subject-hint = Maksimum 50 tegn.
ekons-symptoms-label = Beskriv hvilke symptomer eller plager du har
ekons-symptoms-hint = For eksempel hvordan de oppstod, varighet og eventuelt endring over tid.
ekons-daily_life-label = Hvordan påvirker helseutfordringene hverdagen din?
ekons-daily_life-hint = For eksempel arbeidsevne, fritidsaktiviteter, husarbeid eller lignende.
ekons-tried-label = Har du forsøkt å behandle dette?
ekons-tried-hint = For eksempel bruk av legemidler, andre behandlingsformer eller sykmelding.
ekons-treatment-label = Hvilken behandling har du prøvd og hva slags effekt har den hatt?
ekons-treatment-hint = Fylles ut hvis du har svart Ja.
ekons-error-tried = Du må svare Ja eller Nei på «Har du forsøkt å behandle dette?».
ekons-review-title = Se gjennom før du sender
ekons-review-addressee = Denne meldingen vil bli sendt til { $name }
ekons-review-subject = Henvendelse gjelder:
ekons-review-message = Melding:
ekons-attachments-title = Legg til vedlegg (valgfritt)
ekons-attachments-hint = Du kan legge ved inntil 3 filer på til sammen 20MB i formatene JPG, PNG eller PDF.
ekons-choose-files = Velg filer
ekons-upload = Last opp
ekons-remove-attachment = Fjern
ekons-stored-in-record = E-konsultasjon lagres i legens journalsystem.
ekons-file-empty = Filen «{ $name }» er tom.
ekons-file-wrong-type = Filen «{ $name }» er ikke JPG, PNG eller PDF. Du kan bare legge ved bilder i formatene JPG og PNG og dokumenter i PDF.
ekons-file-broken = Filen «{ $name }» er skadet eller ufullstendig og kan ikke legges ved.
ekons-file-too-many = Filen «{ $name }» ble ikke lagt ved: du kan legge ved inntil 3 filer.
ekons-file-too-large = Filen «{ $name }» ble ikke lagt ved: du kan legge ved til sammen 20MB.
ekons-upload-too-large = Filene er for store: du kan legge ved til sammen 20MB. Ingen filer ble lagt ved.
ekons-file-active-content = Filen «{ $name }» er en PDF med innhold som kan kjøre av seg selv (skript, handlinger som starter programmer, eller filer lagt inn i den), og kan ikke legges ved. Lagre eller skriv den ut som en vanlig PDF, eller ta et bilde av den, og prøv igjen.
ekons-file-unreadable-pdf = Filen «{ $name }» er en PDF som er kryptert eller pakket slik at vi ikke kan kontrollere innholdet, og kan ikke legges ved. Lagre eller skriv den ut som en vanlig PDF uten passord, og prøv igjen.
ekons-upload-none-added = Ingen av filene du valgte denne gangen ble lagt ved. Velg bare filene som kan legges ved, og last dem opp på nytt.

## Sendt
sent-title = Meldingen er sendt
sent-answer-time = Du får vanligvis svar innen 5 arbeidsdager. Du finner sendte og mottatte meldinger i innboksen på Helseportal.
sent-worse = Hvis helsetilstanden din forverres, må du ta kontakt med legekontoret.
go-to-inbox = Gå til innboksen

## Kontakt legekontoret
contact-title = Kontakt legekontoret
contact-not-health = Du kan ikke få helsehjelp via denne tjenesten. Den er for administrative spørsmål, som ferieavvikling og adkomst, og besvares normalt av resepsjonen.
contact-subject-label = Emne
contact-subject-hint = Maksimum 50 tegn.
contact-text-label = Melding
contact-text-hint = Skriv kort hva henvendelsen gjelder. Maksimum 1000 tegn.

## Innboks
inbox-title = Innboks
inbox-search = Finn melding
inbox-search-button = Søk
inbox-count = { $count ->
    [one] { $count } melding
   *[other] { $count } meldinger
}
inbox-empty = Ingen meldinger.
inbox-unread = Ulest
inbox-sent = Sendt:
inbox-details = Se detaljer
inbox-more = Vis flere meldinger
back-to-inbox = Tilbake til innboksen
thread-title = Melding
thread-kind-e-konsultasjon = E-konsultasjon
thread-kind-kontakt-legekontoret = Kontakt legekontoret
thread-status-open = Venter på svar
thread-status-answered = Besvart
thread-to = Til: { $name }
new-message-title = Skriv ny melding
new-message-lead = Velg hvilken helsekontakt du vil sende melding til.
new-message-none = Du har ingen helsekontakter som tar imot meldinger på Helseportal.
contact-kind-gp = Fastlegekontor
contact-kind-specialist = Avtalespesialist

## Legekontorets innboks
office-queue-link = Innboks for legekontoret
office-queue-waiting = { $count ->
    [one] { $count } henvendelse venter på svar
   *[other] { $count } henvendelser venter på svar
}
queue-title = Innboks for legekontoret
queue-filter-type = Type
queue-filter-practitioner = Behandler
queue-filter-all = Alle
queue-filter-button = Filtrer
queue-empty = Ingen henvendelser venter på svar.
queue-type = Type
queue-patient = Pasient
queue-subject = Gjelder
queue-practitioner = Behandler
queue-received = Mottatt
queue-due = Frist
queue-overdue = Over fristen
office-thread-title = Henvendelse
office-answer-label = Svar til pasienten
office-answer-send = Send svar
office-answer-sent = Svaret er sendt til pasienten.
office-already-answered = Henvendelsen er allerede besvart.
office-copayment-note = Når du svarer, belastes pasienten vanlig egenandel ({ $amount } kr), med mindre pasienten er under 16 år eller har frikort.

## Datoer
month-1 = januar
month-2 = februar
month-3 = mars
month-4 = april
month-5 = mai
month-6 = juni
month-7 = juli
month-8 = august
month-9 = september
month-10 = oktober
month-11 = november
month-12 = desember
weekday-1 = mandag
weekday-2 = tirsdag
weekday-3 = onsdag
weekday-4 = torsdag
weekday-5 = fredag
weekday-6 = lørdag
weekday-7 = søndag
weekday-short-1 = Man
weekday-short-2 = Tir
weekday-short-3 = Ons
weekday-short-4 = Tor
weekday-short-5 = Fre
weekday-short-6 = Lør
weekday-short-7 = Søn

## Timebestilling
thread-kind-bestill-time = Bestill time
thread-kind-forny-resept = Forny resept
thread-kind-influensavaksine = Bestill influensavaksine
booking-title = Bestill time
booking-flu-title = Bestill influensavaksine
booking-choose-practitioner = Velg behandler ved { $office }
booking-choose-time = Velg tidspunkt
booking-today = I dag
booking-previous-month = Forrige måned
booking-next-month = Neste måned
booking-calendar-caption = { $month }. Datoer med ledige timer er merket.
booking-day-has-free = ledige timer
booking-free-on = Ledige timer { $date }
booking-none-this-day = Ingen ledige timer denne dagen. Velg en annen dag eller måned.
booking-choose-day = Velg en dag med ledige timer i kalenderen.
booking-later = Timer som kan bli tilgjengelig senere
booking-later-text = Disse timene kan ikke bestilles på nett nå. Legekontoret kan gjøre dem tilgjengelige senere.
booking-place = Oppmøtested: { $place }
booking-not-found = Finner du ikke ledig time?
booking-call-office = Kontakt legekontoret direkte
booking-call-office-text = Ta kontakt med legekontoret for å høre om de har ledige timer som ikke vises på nett.
booking-type-konsultasjon = Konsultasjon
booking-type-videotime = Videotime
booking-type-telefontime = Telefontime
booking-type-hastetime = Hastetime
booking-explain-konsultasjon = Konsultasjon er en time med fysisk oppmøte på legekontoret.
booking-explain-videotime = Videotime egner seg hvis du ikke trenger å ta prøver eller undersøkelser.
booking-explain-telefontime = Telefontime egner seg hvis du ikke trenger å ta prøver eller undersøkelser.
booking-explain-hastetime = Hastetime er for saker som haster og må tas samme dag.
booking-review-title = Se gjennom før du sender
booking-review-with = Time hos { $practitioner }, { $office }
booking-review-type = Type: { $type }
booking-review-duration = Antatt varighet: { $minutes } min
booking-review-journal = Henvendelsen vil bli journalført.
booking-reason-label = Hva gjelder timen? (maks 50 tegn)
booking-reason-hint = F. eks. magesmerter
booking-send = Send bestilling
booking-sent-title = Timebestillingen er sendt
booking-sent-request = Bestillingen er kun en forespørsel. Timen er ikke tildelt før du mottar en bekreftelse.
booking-sent-worse = Hvis helsetilstanden din endrer seg før timeavtalen, må du ta kontakt med legekontoret.
booking-sent-inbox = Du finner informasjon om timebestillingen i innboksen.
booking-taken-title = Timen er dessverre ikke lenger ledig
booking-taken-text = Noen andre har bestilt denne timen. Velg en annen time i kalenderen.
booking-back-to-calendar = Tilbake til kalenderen
booking-message = Ønsket timeavtale: { $when }.
booking-message-reason = Timen gjelder: { $reason }
booking-confirm = Bekreft timen
booking-reject = Avvis forespørselen
booking-reject-reason = Begrunnelse til pasienten
booking-confirmed-message = Timen er tildelt: { $when }.
booking-status-forespurt = Forespurt
booking-status-tildelt = Tildelt
booking-status-avvist = Avvist
booking-status-avbestilt = Avbestilt
booking-office-block = Timebestilling
booking-office-status = Status: { $status }
booking-office-already = Forespørselen er allerede besvart.

## Timeavtaler
appointments-title = Timeavtaler
appointments-upcoming = Kommende timer
appointments-earlier = Tidligere og avsluttede
appointments-none = Du har ingen timeavtaler.
appointment-heading = { $when }: { $type } hos { $office }
appointment-duration = Antatt varighet: { $minutes } min
appointment-reason = Timen gjelder: { $reason }
appointment-practitioner = Behandler: { $name }
appointment-status = Status: { $status }
appointment-add-to-calendar = Legg i egen kalender
appointment-video = Dette er en videotime
appointment-video-text = Gjør deg klar minst 5 minutter før videotimen starter, og sørg for at bilde og lyd fungerer. Plasser deg slik at du unngår bakgrunnsstøy og involvering av uvedkommende.
appointment-manage = Administrer timen
appointment-cancel = Avbestill time
appointment-cancel-too-late = Timen kan ikke avbestilles på nett senere enn { $hours } timer før den starter. Ring legekontoret på { $phone }.
appointment-cancelled = Timen er avbestilt.
appointment-cancel-message = Pasienten har avbestilt timen.
front-appointments-tile = Timeavtaler
front-appointments-tile-text = Timer og avtaler med helsetjenesten.
error-conflict-title = Endringen kunne ikke gjøres
error-conflict-text = Det er gjort en endring i mellomtiden, eller fristen er ute. Ingenting er endret. Last siden på nytt for å se hvordan det står nå.

## Legekontorets timer
office-slots-link = Timer på Helseportal
office-slots-title = Timer på Helseportal
office-slots-practitioner = Behandler
office-slots-show = Vis timer
office-slots-upcoming = Timer de neste 14 dagene
office-slots-none = Ingen timer de neste 14 dagene.
office-slots-free = Ledig
office-slots-held = Bestilt
office-slots-later = Ikke på nett ennå
office-slots-remove = Fjern
office-slots-removed = Timen er fjernet.
office-slots-held-error = Timen er forespurt eller bestilt og kan ikke fjernes. Avbestill den med beskjed til pasienten først.
office-slots-single = Legg til én time
office-slots-date = Dato
office-slots-time = Klokkeslett
office-slots-length = Varighet (minutter)
office-slots-type = Type
office-slots-purpose = Gjelder
office-slots-purpose-time = Time hos behandler
office-slots-purpose-influensavaksine = Influensavaksine
office-slots-released = Kan bestilles på nett nå
office-slots-add = Legg til timen
office-slots-template = Lag timer fra ukemal
office-slots-weekdays = Ukedager
office-slots-from = Fra og med dato
office-slots-to = Til og med dato
office-slots-day-start = Første time starter
office-slots-day-end = Siste time slutter
office-slots-make = Lag timene
office-slots-added = { $count ->
    [one] { $count } time er lagt til.
   *[other] { $count } timer er lagt til.
}
office-slots-closing = Stengte dager
office-slots-closing-hint = På stengte dager lager ukemalen ingen timer. Helligdager er alltid stengt.
office-slots-add-closing = Legg til stengt dag
office-slots-error-date = Skriv en gyldig dato (ÅÅÅÅ-MM-DD).
office-slots-error-time = Skriv et gyldig klokkeslett (TT:MM).
office-slots-error-length = Varigheten må være mellom 5 og 240 minutter.
office-slots-error-template = Ukemalen er ugyldig: velg minst én ukedag, en periode på høyst ett år og en sluttid etter starttiden.
office-slots-error-past = Timen må ligge fram i tid.
office-cancel-booking = Avbestill timen
office-cancel-message = Beskjed til pasienten
office-cancelled = Timen er avbestilt, og pasienten har fått beskjed.
booking-cancelled-by-office = Legekontoret har avbestilt timen. Ta kontakt med legekontoret for å få en ny time.

## Forespørsel om time
booking-mode-legend = Slik bestiller innbyggerne time
booking-mode-slots = Timebestilling: innbyggerne velger blant ledige timer på nett
booking-mode-enquiry = Forespørsel: innbyggerne sender en forespørsel, og legekontoret setter opp timen
enquiry-title = Forespørsel om time
enquiry-lead = Legekontoret ditt setter opp timen for deg. Fortell når det passer, så får du svar med tidspunktet.
enquiry-when-label = Når passer det for deg? (maks 200 tegn)
enquiry-when-hint = F. eks. tirsdager etter klokka 14, eller neste uke
enquiry-send = Send forespørsel
enquiry-message-when = Når det passer: { $when }
office-book-title = Sett opp time
office-book-slot = Ledig time
office-book-message = Beskjed til pasienten (valgfritt)
office-book-send = Sett opp timen og send
office-book-none = Ingen ledige timer de neste 14 dagene. Legg ut timer under «Timer på Helseportal».
office-book-taken = Timen er ikke lenger ledig. Velg en annen.

## Resepter
rx-title = Resepter
rx-tab-overview = Resepter
rx-tab-history = Resepthistorikk
rx-overview-lead = Aktive resepter og utleveringer de siste 12 månedene.
rx-history-lead = Alle resepter og utleveringer tre år tilbake i tid.
rx-none = Ingen resepter å vise.
rx-dosage = Dosering: { $dosage }
rx-prescriber = Rekvirert av: { $name }
rx-prescribed = Rekvirert: { $date }
rx-dispensed = Utlevert { $made } av { $allowed } ganger, { $left } igjen
rx-expires = Gyldig til: { $date }
rx-status-aktiv = Aktiv
rx-status-fornyet = Fornyet
rx-status-avsluttet = Avsluttet
rx-expired = Utløpt
rx-pending = Fornyelse er bedt om
rx-group = Reseptgruppe { $group }
rx-dispensations = Utleveringer
rx-no-dispensations = Ikke utlevert ennå.
rx-dispensed-at = { $date }, { $pharmacy }
rx-print = Utskriftsvennlig versjon
rx-print-title = Reseptoversikt
rx-print-for = Reseptoversikt for { $name }, laget { $date }
rx-pdf = Last ned som PDF
rx-renew-link = Forny resept
renew-title = Forny resept
renew-lead = Velg reseptene du vil be fastlegen fornye. Du får svar i innboksen.
renew-not-offered = Fastlegen din tilbyr ikke fornyelse av resept på Helseportal. Kontakt legekontoret på en annen måte, for eksempel på telefon { $phone }.
renew-choose = Resepter som kan fornyes
renew-not-renewable = Kan ikke fornyes på nett
renew-why-controlled = Legemidler i reseptgruppe A og B kan ikke fornyes på nett. Du må ha en konsultasjon med legen.
renew-why-not-active = Resepten er allerede fornyet eller avsluttet.
renew-why-pending = Du har allerede bedt om fornyelse av denne resepten.
renew-why-expired-long-ago = Resepten gikk ut for mer enn ett år siden. Bestill time hos legen.
renew-message-label = Melding til legen (valgfritt, maks 200 tegn)
renew-message-hint = F. eks. om du har fått bivirkninger
renew-send = Send forespørsel om fornyelse
renew-none-chosen = Du må velge minst én resept.
renew-nothing = Du har ingen resepter som kan fornyes på nett.
renew-body = Ber om fornyelse av:
renew-body-message = Melding: { $message }
office-renew-title = Resepter som skal fornyes
office-renew-approve = Godkjenn fornyelsen
office-renew-decline = Avslå fornyelsen
office-renew-reason = Begrunnelse til pasienten
office-renew-approved = Resepten er fornyet og gyldig til { $date }.
front-rx-tile = Resepter
front-rx-tile-text = Resepter på medisiner og utstyr.

## Innsyn
access-title = Hvem har sett opplysningene dine
access-lead = Her ser du når helsepersonell og ansatte ved legekontoret har åpnet henvendelser og vedlegg du har sendt via Helseportal.
access-none = Ingen har åpnet opplysningene dine via Helseportal.
access-read-thread = åpnet henvendelsen
access-read-attachment = åpnet et vedlegg i henvendelsen
access-line = { $when }: { $name }, { $office }, { $what } «{ $subject }»
front-access-tile = Hvem har sett opplysningene dine
front-access-tile-text = Se hvem som har åpnet henvendelsene dine.

## Kontaktinformasjon og varsling
front-contact-tile = Kontaktinformasjon og varsling
front-contact-tile-text = Mobilnummer og e-postadresse for varsler
front-contact-reconfirm = Er kontaktinformasjonen din riktig? Se over og bekreft den.
contact-info-title = Kontaktinformasjon og varsling
contact-info-lead = Du får beskjed på SMS og/eller e-post når du får nye meldinger og brev i innboksen, og en påminnelse om meldinger du ikke har lest etter 4 dager.
contact-info-no-links = Varslene sier bare at det er kommet noe nytt. De inneholder aldri lenker eller helseopplysninger. Logg alltid inn selv ved å skrive adressen i nettleseren eller bruke appen.
contact-info-needs-consent = Du får bare varsler når du har samtykket til Basis+ eller Full tilgang.
contact-info-details-heading = Dine opplysninger
contact-info-mobile = Mobilnummer
contact-info-mobile-hint = 8 siffer. Nummer fra andre land skriver du med + og landskode.
contact-info-email = E-postadresse
contact-info-email-hint = For eksempel navn@eksempel.no
contact-info-in-use = I bruk til du har bekreftet det nye: { $address }
contact-info-channels = Hvordan vil du få varsler?
contact-info-channel-sms = På SMS
contact-info-channel-email = På e-post
contact-info-language = Språk i varslene
contact-info-save = Lagre
contact-info-saved = Endringene er lagret.
contact-info-saved-codes = Endringene er lagret. Vi har sendt en kode for å bekrefte det nye mobilnummeret eller den nye e-postadressen. Det gamle brukes til du har bekreftet.
contact-info-confirm-mobile = Bekreft mobilnummeret
contact-info-confirm-email = Bekreft e-postadressen
contact-info-code-sent-sms = Vi har sendt en kode på SMS til { $address }. Skriv inn koden for å ta nummeret i bruk. Koden gjelder i { $duration }.
contact-info-code-sent-email = Vi har sendt en kode på e-post til { $address }. Skriv inn koden for å ta adressen i bruk. Koden gjelder i { $duration }.
contact-info-code = Kode
contact-info-confirm-button = Bekreft
contact-info-resend = Send ny kode
contact-info-code-expired = Koden er utløpt. Be om en ny kode.
contact-info-mobile-confirmed = Mobilnummeret er bekreftet og tatt i bruk.
contact-info-email-confirmed = E-postadressen er bekreftet og tatt i bruk.
contact-info-new-code-sent = Vi har sendt en ny kode. Det kan ta et minutt før du kan be om enda en.
contact-info-reconfirm-heading = Er kontaktinformasjonen din riktig?
contact-info-reconfirm-text = Du bekreftet kontaktinformasjonen din sist { $date }. Se over at den stemmer, og bekreft den eller endre den.
contact-info-reconfirm-button = Opplysningene er riktige
contact-info-reconfirmed = Takk! Kontaktinformasjonen din er bekreftet.
contact-info-error-mobile = Mobilnummeret må ha 8 siffer og begynne med 4 eller 9. Nummer fra andre land skriver du med + og landskode.
contact-info-error-email = Skriv e-postadressen slik: navn@eksempel.no
contact-info-error-email-too-long = E-postadressen kan ha maks 254 tegn.
contact-info-error-sms-needs-mobile = Skriv inn mobilnummeret ditt for å få varsler på SMS.
contact-info-error-email-needs-address = Skriv inn e-postadressen din for å få varsler på e-post.
contact-info-error-language = Velg bokmål eller engelsk.
contact-info-error-code-missing = Skriv inn koden du fikk.
contact-info-error-code-format = Koden har 6 siffer.
contact-info-error-code-wrong = { $count ->
    [one] Koden er feil. Du har ett forsøk igjen.
   *[other] Koden er feil. Du har { $count } forsøk igjen.
}
contact-info-error-code-attempts = Du har skrevet feil kode for mange ganger. Be om en ny kode.
contact-info-error-code-replaced = Vi har sendt en nyere kode. Bruk den siste koden du fikk.
contact-info-error-code-expired = Koden er utløpt. Be om en ny kode.
contact-info-error-code-wait = Du kan be om en ny kode om { $duration }.
contact-info-error-code-day = Du har fått mange koder det siste døgnet. Du kan be om en ny kode om { $duration }.
contact-info-error-code-sms-day = Du har fått mange koder på SMS det siste døgnet. Du kan be om en ny kode om { $duration }.
outbox-title = Utgående varsler (utvikling)
outbox-lead = Portalen har ingen e-posttjener eller SMS-tjeneste satt opp, så varslene skrives til en mappe i stedet for å sendes. Her er de siste.
outbox-empty = Ingen varsler ennå.
