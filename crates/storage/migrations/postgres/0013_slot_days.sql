-- Each slot's day in Oslo, as the Unix time of the midnight it begins with, by which the free
-- slots of each practitioner and day are counted (0014). Written by storage with every slot;
-- the migrator writes it for the slots before this version after this file.
ALTER TABLE slot ADD COLUMN day_start BIGINT;
