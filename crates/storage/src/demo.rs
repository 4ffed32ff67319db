//! Demo data for `serve --demo`: the test persons of the seeds, their GP offices and staff.
//! Written only into an empty database, so a restart never duplicates it.

use domain::{Fodselsnummer, GpService, PersonName, PractitionerKind, StaffRole};
use sqlx::Row;

use crate::{Database, StorageError};

/// The identity numbers of the demo persons (synthetic numbers: month + 80), for the README's
/// tour and for tests.
pub struct DemoPersons;

impl DemoPersons {
    pub const KARI_NORDMANN: &'static str = "12858510048";
    pub const OLA_NORDMANN: &'static str = "04831750060";
    pub const KURT_HAKON: &'static str = "22897220060";
    pub const NINA_UTEN_FASTLEGE: &'static str = "03919030053";
    pub const PER_PERSEN: &'static str = "17885540007";
    pub const ROLF_ROLFSEN: &'static str = "16847011037";
    pub const SARA_SOLBAKKEN: &'static str = "09918812072";
    pub const TONE_TANGEN: &'static str = "13887513095";
    pub const BENEDIKTE_BERG: &'static str = "07817814039";
    pub const INGAR_IVERSEN: &'static str = "25888215010";
    pub const ARNA_AAS: &'static str = "14878616120";
    pub const FRIDA_FJELL: &'static str = "30839517048";
    pub const OLAV_OFTE: &'static str = "02886518024";
    pub const MONA_MANE: &'static str = "18816819098";
    pub const MAGNUS_MYR: &'static str = "05887321002";
    pub const HANNE_HUD: &'static str = "11916822067";
}

struct OfficeSeed {
    name: &'static str,
    street: &'static str,
    postal_code: &'static str,
    city: &'static str,
    phone: &'static str,
    her_id: i64,
    services: &'static [GpService],
}

const ALL_SERVICES: &[GpService] = &GpService::ALL;
const FJORDBYEN_SERVICES: &[GpService] = &[
    GpService::BestillTime,
    GpService::EKonsultasjon,
    GpService::FornyResept,
    GpService::KontaktLegekontoret,
];

/// Fills an empty database with the demo persons; returns `false` (and writes nothing) when
/// the database already holds persons.
#[tracing::instrument(skip_all)]
pub async fn seed_demo(db: &Database) -> Result<bool, StorageError> {
    let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM person")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    if count > 0 {
        return Ok(false);
    }
    let mut tx = db.pool().begin().await?;

    let solen = insert_office(
        &mut tx,
        &OfficeSeed {
            name: "Solen Legekontor",
            street: "Solveien 1",
            postal_code: "0150",
            city: "Oslo",
            phone: "22 33 44 55",
            her_id: 8_100_001,
            services: ALL_SERVICES,
        },
    )
    .await?;
    let fjordbyen = insert_office(
        &mut tx,
        &OfficeSeed {
            name: "Fjordbyen Legesenter",
            street: "Universitetsgaten 7",
            postal_code: "0164",
            city: "Oslo",
            phone: "11 22 33 44",
            her_id: 8_100_002,
            services: FJORDBYEN_SERVICES,
        },
    )
    .await?;
    let manen = insert_office(
        &mut tx,
        &OfficeSeed {
            name: "Månen Legekontor",
            street: "Måneveien 3",
            postal_code: "5003",
            city: "Bergen",
            phone: "55 66 77 88",
            her_id: 8_100_003,
            services: &[],
        },
    )
    .await?;

    let hudklinikken = insert_office(
        &mut tx,
        &OfficeSeed {
            name: "Hudklinikken Sentrum",
            street: "Karl Johans gate 20",
            postal_code: "0159",
            city: "Oslo",
            phone: "22 11 00 99",
            her_id: 8_100_004,
            services: &[GpService::EKonsultasjon],
        },
    )
    .await?;
    sqlx::query("UPDATE gp_office SET kind = 'avtalespesialist' WHERE id = $1")
        .bind(hudklinikken)
        .execute(&mut *tx)
        .await?;
    let hanne = insert_practitioner(
        &mut tx,
        hudklinikken,
        "Hanne",
        "Hud",
        PractitionerKind::Spesialist,
        None,
    )
    .await?;

    let rolf = insert_practitioner(
        &mut tx,
        solen,
        "Rolf",
        "Rolfsen",
        PractitionerKind::Fastlege,
        None,
    )
    .await?;
    let benedikte = insert_practitioner(
        &mut tx,
        fjordbyen,
        "Benedikte",
        "Berg",
        PractitionerKind::Fastlege,
        None,
    )
    .await?;
    let ingar = insert_practitioner(
        &mut tx,
        fjordbyen,
        "Ingar",
        "Iversen",
        PractitionerKind::Vikar,
        Some(benedikte),
    )
    .await?;
    let arna = insert_practitioner(
        &mut tx,
        fjordbyen,
        "Arna",
        "Aas",
        PractitionerKind::Jordmor,
        None,
    )
    .await?;
    let mona = insert_practitioner(
        &mut tx,
        manen,
        "Mona",
        "Måne",
        PractitionerKind::Fastlege,
        None,
    )
    .await?;

    let kari = insert_person(
        &mut tx,
        DemoPersons::KARI_NORDMANN,
        "Kari",
        "Nordmann",
        "Solveien 12",
        "0150",
        "Oslo",
    )
    .await?;
    let ola = insert_person(
        &mut tx,
        DemoPersons::OLA_NORDMANN,
        "Ola",
        "Nordmann",
        "Solveien 12",
        "0150",
        "Oslo",
    )
    .await?;
    let kurt = insert_person(
        &mut tx,
        DemoPersons::KURT_HAKON,
        "Kurt Håkon",
        "Lie",
        "Fjordgata 4",
        "0164",
        "Oslo",
    )
    .await?;
    insert_person(
        &mut tx,
        DemoPersons::NINA_UTEN_FASTLEGE,
        "Nina",
        "Nilsen",
        "Nordlysveien 9",
        "9008",
        "Tromsø",
    )
    .await?;
    let per = insert_person(
        &mut tx,
        DemoPersons::PER_PERSEN,
        "Per",
        "Persen",
        "Bryggen 5",
        "5003",
        "Bergen",
    )
    .await?;

    sqlx::query("INSERT INTO parental_responsibility (parent_id, child_id) VALUES ($1, $2)")
        .bind(kari)
        .bind(ola)
        .execute(&mut *tx)
        .await?;
    // Kari is also treated by a contract specialist she can write to.
    sqlx::query("INSERT INTO patient_contact (person_id, office_id) VALUES ($1, $2)")
        .bind(kari)
        .bind(hudklinikken)
        .execute(&mut *tx)
        .await?;
    for (person, gp) in [(kari, rolf), (ola, rolf), (kurt, benedikte), (per, mona)] {
        sqlx::query("INSERT INTO gp_list_entry (person_id, practitioner_id) VALUES ($1, $2)")
            .bind(person)
            .bind(gp)
            .execute(&mut *tx)
            .await?;
    }

    type StaffSeed = (
        &'static str,
        &'static str,
        &'static str,
        i64,
        StaffRole,
        Option<i64>,
        &'static str,
    );
    let staff: [StaffSeed; 11] = [
        (
            DemoPersons::ROLF_ROLFSEN,
            "Rolf",
            "Rolfsen",
            solen,
            StaffRole::Lege,
            Some(rolf),
            "Solveien 20",
        ),
        (
            DemoPersons::SARA_SOLBAKKEN,
            "Sara",
            "Solbakken",
            solen,
            StaffRole::Resepsjon,
            None,
            "Solveien 22",
        ),
        (
            DemoPersons::TONE_TANGEN,
            "Tone",
            "Tangen",
            solen,
            StaffRole::Kontorleder,
            None,
            "Solveien 24",
        ),
        (
            DemoPersons::BENEDIKTE_BERG,
            "Benedikte",
            "Berg",
            fjordbyen,
            StaffRole::Lege,
            Some(benedikte),
            "Fjordgata 10",
        ),
        (
            DemoPersons::INGAR_IVERSEN,
            "Ingar",
            "Iversen",
            fjordbyen,
            StaffRole::Lege,
            Some(ingar),
            "Fjordgata 12",
        ),
        (
            DemoPersons::ARNA_AAS,
            "Arna",
            "Aas",
            fjordbyen,
            StaffRole::Lege,
            Some(arna),
            "Fjordgata 14",
        ),
        (
            DemoPersons::FRIDA_FJELL,
            "Frida",
            "Fjell",
            fjordbyen,
            StaffRole::Resepsjon,
            None,
            "Fjordgata 16",
        ),
        (
            DemoPersons::OLAV_OFTE,
            "Olav",
            "Ofte",
            fjordbyen,
            StaffRole::Kontorleder,
            None,
            "Fjordgata 18",
        ),
        (
            DemoPersons::MONA_MANE,
            "Mona",
            "Måne",
            manen,
            StaffRole::Lege,
            Some(mona),
            "Bryggen 7",
        ),
        (
            DemoPersons::MAGNUS_MYR,
            "Magnus",
            "Myr",
            manen,
            StaffRole::Kontorleder,
            None,
            "Bryggen 9",
        ),
        (
            DemoPersons::HANNE_HUD,
            "Hanne",
            "Hud",
            hudklinikken,
            StaffRole::Lege,
            Some(hanne),
            "Karl Johans gate 22",
        ),
    ];
    for (fnr, given, family, office, role, practitioner, street) in staff {
        let (postal_code, city) = if office == manen {
            ("5003", "Bergen")
        } else {
            ("0150", "Oslo")
        };
        insert_person(&mut tx, fnr, given, family, street, postal_code, city).await?;
        sqlx::query(
            "INSERT INTO staff_member (fnr, office_id, role, given_name, family_name, practitioner_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(fnr)
        .bind(office)
        .bind(role.code())
        .bind(given)
        .bind(family)
        .bind(practitioner)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

async fn insert_office(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    office: &OfficeSeed,
) -> Result<i64, StorageError> {
    let id: i64 = sqlx::query(
        "INSERT INTO gp_office (name, street, postal_code, city, phone, her_id) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id",
    )
    .bind(office.name)
    .bind(office.street)
    .bind(office.postal_code)
    .bind(office.city)
    .bind(office.phone)
    .bind(office.her_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    for service in office.services {
        sqlx::query("INSERT INTO office_service (office_id, service) VALUES ($1, $2)")
            .bind(id)
            .bind(service.code())
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

async fn insert_practitioner(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    office: i64,
    given: &str,
    family: &str,
    kind: PractitionerKind,
    locum_for: Option<i64>,
) -> Result<i64, StorageError> {
    Ok(sqlx::query(
        "INSERT INTO practitioner (office_id, given_name, family_name, kind, locum_for_id) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(office)
    .bind(given)
    .bind(family)
    .bind(kind.code())
    .bind(locum_for)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?)
}

async fn insert_person(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    fnr: &str,
    given: &str,
    family: &str,
    street: &str,
    postal_code: &str,
    city: &str,
) -> Result<i64, StorageError> {
    let fnr = Fodselsnummer::parse(fnr)
        .map_err(|e| StorageError::Corrupt(format!("demo fnr {fnr}: {e}")))?;
    let name = PersonName {
        given: given.into(),
        family: family.into(),
    };
    Ok(sqlx::query(
        "INSERT INTO person (fnr, given_name, family_name, birth_date, street, postal_code, city) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(fnr.as_str())
    .bind(&name.given)
    .bind(&name.family)
    .bind(fnr.birth_date().to_string())
    .bind(street)
    .bind(postal_code)
    .bind(city)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?)
}

/// Contact details for notifications, written right after [`seed_demo`]: Kari is notified by
/// SMS and e-mail; Kurt Håkon by e-mail, with details confirmed 19 months ago so that the
/// portal asks him to confirm them again. The addresses are in the `example.com` domain kept
/// for examples, and the numbers belong to the demo only.
#[tracing::instrument(skip_all)]
pub async fn seed_demo_contacts(db: &Database, now: i64) -> Result<(), StorageError> {
    use domain::notification::Language;

    let nineteen_months_ago = jiff::Timestamp::from_second(now)
        .ok()
        .and_then(|t| t.in_tz("Europe/Oslo").ok())
        .and_then(|t| t.checked_sub(jiff::Span::new().months(19)).ok())
        .map_or(now, |t| t.timestamp().as_second());
    for (fnr, mobile, email, sms, confirmed_at) in [
        (
            DemoPersons::KARI_NORDMANN,
            Some("+4799990001"),
            "kari.nordmann@example.com",
            true,
            now,
        ),
        (
            DemoPersons::KURT_HAKON,
            None,
            "kurt.hakon.lie@example.com",
            false,
            nineteen_months_ago,
        ),
    ] {
        let fnr = Fodselsnummer::parse(fnr).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let Some(person) = db.person_by_fnr(&fnr).await? else {
            continue;
        };
        db.set_confirmed_contact_details(
            person.id,
            &crate::ContactDetails {
                mobile: mobile.map(str::to_owned),
                email: Some(email.to_owned()),
                notify_sms: sms,
                notify_email: true,
                language: Language::Nb,
                confirmed_at,
            },
        )
        .await?;
    }
    Ok(())
}

/// Appointment slots for the demo offices over the next three weeks (Oslo time), written
/// right after [`seed_demo`]: mornings at the office, afternoons by phone or video, an urgent
/// slot each day that the office releases later, and flu vaccines on Wednesdays at Solen.
#[tracing::instrument(skip_all)]
pub async fn seed_demo_slots(db: &Database, now: i64) -> Result<u64, StorageError> {
    use domain::appointment::{AppointmentType, SlotPurpose, WeeklyTemplate};
    use jiff::civil::{Weekday, time};

    let tz = domain::norway_time_zone();
    let today = jiff::Timestamp::from_second(now)
        .map_err(|e| StorageError::Corrupt(e.to_string()))?
        .to_zoned_datetime(tz.clone())
        .date();
    let first = today
        .tomorrow()
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let last = first
        .checked_add(jiff::Span::new().days(20))
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let weekdays = vec![
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
    ];
    let template = |from: (i8, i8), to: (i8, i8), length: i64| WeeklyTemplate {
        weekdays: weekdays.clone(),
        day_start: time(from.0, from.1, 0, 0),
        day_end: time(to.0, to.1, 0, 0),
        length_minutes: length,
    };
    let mut slots: Vec<(i64, i64, i64, AppointmentType, String, bool, SlotPurpose)> = Vec::new();
    for office in [1_i64, 2] {
        let Some(info) = db.office_by_id(office).await? else {
            continue;
        };
        let address = format!("{}, {} {}", info.street, info.postal_code, info.city);
        for practitioner in db.practitioners_of(office).await? {
            let afternoon = if practitioner.name.given == "Ingar" {
                AppointmentType::Videotime
            } else {
                AppointmentType::Telefontime
            };
            let plan = [
                (
                    template((8, 0), (11, 0), 30),
                    AppointmentType::Konsultasjon,
                    true,
                ),
                (template((13, 0), (14, 30), 30), afternoon, true),
                (
                    template((14, 30), (15, 0), 30),
                    AppointmentType::Hastetime,
                    false,
                ),
            ];
            for (template, kind, released) in plan {
                let place = if kind.is_remote() {
                    kind_place(kind)
                } else {
                    address.clone()
                };
                let starts = template
                    .slots(first, last, &[], tz)
                    .map_err(|e| StorageError::Corrupt(format!("{e:?}")))?;
                for start in starts {
                    slots.push((
                        office,
                        practitioner.id,
                        start,
                        kind,
                        place.clone(),
                        released,
                        SlotPurpose::Ordinary,
                    ));
                }
            }
            if office == 1 {
                let flu = WeeklyTemplate {
                    weekdays: vec![Weekday::Wednesday],
                    day_start: time(15, 0, 0, 0),
                    day_end: time(16, 0, 0, 0),
                    length_minutes: 10,
                };
                let starts = flu
                    .slots(first, last, &[], tz)
                    .map_err(|e| StorageError::Corrupt(format!("{e:?}")))?;
                for start in starts {
                    slots.push((
                        office,
                        practitioner.id,
                        start,
                        AppointmentType::Konsultasjon,
                        address.clone(),
                        true,
                        SlotPurpose::FluVaccine,
                    ));
                }
            }
        }
    }
    let new: Vec<crate::NewSlot<'_>> = slots
        .iter()
        .map(
            |(office, practitioner, start, kind, place, released, purpose)| crate::NewSlot {
                office_id: *office,
                practitioner_id: *practitioner,
                starts_at: *start,
                duration_minutes: if *purpose == SlotPurpose::FluVaccine {
                    10
                } else {
                    30
                },
                appointment_type: *kind,
                place,
                released: *released,
                purpose: *purpose,
            },
        )
        .collect();
    db.add_slots(&new, now).await
}

/// The place of a remote appointment is its kind (seed 002: "Oppmøtested: Telefontime").
fn kind_place(kind: domain::appointment::AppointmentType) -> String {
    match kind {
        domain::appointment::AppointmentType::Videotime => "Videotime".into(),
        _ => "Telefontime".into(),
    }
}

/// Kari's prescriptions for the demo, dated from `today`: a renewable allergy medicine, a
/// controlled painkiller (group B, not renewable online), an asthma inhaler, and a history
/// over three years (and one older, which the history no longer shows).
#[tracing::instrument(skip_all)]
pub async fn seed_demo_prescriptions(
    db: &Database,
    today: jiff::civil::Date,
    now: i64,
) -> Result<(), StorageError> {
    use crate::NewPrescription;
    use domain::prescription::DrugGroup;

    let kari_fnr = Fodselsnummer::parse(DemoPersons::KARI_NORDMANN)
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let Some(kari) = db.person_by_fnr(&kari_fnr).await? else {
        return Ok(());
    };
    // Months and days go in one at a time: a span has one sign, so "8 months back, then a day
    // forward" cannot be a single span.
    let day = |months: i32, days: i32| {
        today
            .checked_add(jiff::Span::new().months(months))
            .and_then(|d| d.checked_add(jiff::Span::new().days(days)))
            .map_err(|e| StorageError::Corrupt(e.to_string()))
    };
    let rolf = "Rolf Rolfsen";
    // Name, strength, form, dosage, group, months from today prescribed and expiring, the
    // dispensations allowed, and the months from today when it was dispensed.
    type DemoPrescription = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        DrugGroup,
        i32,
        i32,
        i64,
        Vec<i32>,
    );
    let plan: [DemoPrescription; 6] = [
        (
            "Desloratadin",
            "5 mg",
            "tablett",
            "1 tablett daglig i pollensesongen",
            DrugGroup::C,
            -8,
            4,
            4,
            vec![-8, -5, -2],
        ),
        (
            "Paralgin forte",
            "400 mg/30 mg",
            "tablett",
            "1–2 tabletter ved behov, høyst 8 i døgnet",
            DrugGroup::B,
            -2,
            10,
            1,
            vec![-2],
        ),
        (
            "Salbutamol",
            "0,1 mg/dose",
            "inhalasjonsaerosol",
            "1–2 inhalasjoner ved behov",
            DrugGroup::C,
            -5,
            7,
            3,
            vec![-5],
        ),
        (
            "Amoksicillin",
            "500 mg",
            "kapsel",
            "1 kapsel 3 ganger daglig i 7 dager",
            DrugGroup::C,
            -20,
            -8,
            1,
            vec![-20],
        ),
        (
            "Etinyløstradiol/levonorgestrel",
            "0,03 mg/0,15 mg",
            "tablett",
            "1 tablett daglig",
            DrugGroup::C,
            -30,
            -18,
            4,
            vec![-30, -27, -24, -21],
        ),
        (
            "Fenoksymetylpenicillin",
            "1 g",
            "tablett",
            "1 tablett 4 ganger daglig i 10 dager",
            DrugGroup::C,
            -48,
            -36,
            1,
            vec![-48],
        ),
    ];
    for (name, strength, form, dosage, group, prescribed, expires, allowed, dispensed) in plan {
        let dispensed_days: Vec<(jiff::civil::Date, &str)> = dispensed
            .iter()
            .map(|m| day(*m, 1).map(|d| (d, "Apotek 1 Solen")))
            .collect::<Result<_, _>>()?;
        db.add_prescription(
            &NewPrescription {
                person_id: kari.id,
                drug_name: name,
                strength,
                form,
                dosage,
                group,
                prescriber_name: rolf,
                office_id: Some(1),
                prescribed_on: day(prescribed, 0)?,
                expires_on: day(expires, 0)?,
                dispensations_allowed: allowed,
            },
            &dispensed_days,
            now,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_number_is_valid() {
        for fnr in [
            DemoPersons::KARI_NORDMANN,
            DemoPersons::OLA_NORDMANN,
            DemoPersons::KURT_HAKON,
            DemoPersons::NINA_UTEN_FASTLEGE,
            DemoPersons::PER_PERSEN,
            DemoPersons::ROLF_ROLFSEN,
            DemoPersons::SARA_SOLBAKKEN,
            DemoPersons::TONE_TANGEN,
            DemoPersons::BENEDIKTE_BERG,
            DemoPersons::INGAR_IVERSEN,
            DemoPersons::ARNA_AAS,
            DemoPersons::FRIDA_FJELL,
            DemoPersons::OLAV_OFTE,
            DemoPersons::MONA_MANE,
            DemoPersons::MAGNUS_MYR,
            DemoPersons::HANNE_HUD,
        ] {
            let n = Fodselsnummer::parse(fnr).unwrap();
            assert_eq!(n.kind(), domain::NumberKind::Synthetic, "{fnr}");
        }
    }

    #[test]
    fn kari_has_a_child_under_twelve() {
        let child = Fodselsnummer::parse(DemoPersons::OLA_NORDMANN).unwrap();
        assert!(child.age_on(jiff::civil::date(2026, 11, 25)) < 12);
    }
}
